/**
 * Approvals end to end, driven through tools that ask `ctx.requestApproval` (the seam every
 * Spool tool asks through): each v2 answer reaches the tool as Spool's decision, file changes are
 * asked about as `item/fileChange/requestApproval`, `cancel` stops the turn, and an approval
 * nobody can answer is declined. Over the stdio transport on a stream pair; schema-checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppServer } from '../../src/app-server/server.js';
import type { ApprovalDecision } from '../../src/protocol/events.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { functionSpec, parseJsonArguments } from '../../src/tools/spec.js';
import type { ToolHandler } from '../../src/tools/types.js';
import { call, type Emulator, type EmulatorOptions, respond, say, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { serverEnv, streamClient } from './support/harness.js';
import type { ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

/** `ask {what, kind}`: asks first, runs (and shows an item) only when approved. */
function askingTool(decisions: ApprovalDecision[]): ToolHandler<{ what: string; kind: 'command' | 'patch' }> {
  const schema = z.object({ what: z.string(), kind: z.enum(['command', 'patch']) });
  return {
    name: 'ask',
    spec: functionSpec('ask', 'Asks before acting.', schema),
    parallel: false,
    parse: (raw) => parseJsonArguments('ask', raw, schema),
    run: async (args, ctx) => {
      const file = `${ctx.cwd}/${args.what}.txt`;
      const outcome = await ctx.requestApproval({
        kind: args.kind,
        ...(args.kind === 'command' ? { command: ['do', args.what] } : {}),
        display: `do ${args.what}`,
        cwd: ctx.cwd,
        reason: `${args.what} changes things`,
        policy: ctx.approvalPolicy,
        ...(args.kind === 'patch' ? { changes: [{ path: file, kind: 'add' as const, diff: '+new\n' }] } : {}),
      });
      decisions.push(outcome.decision);
      if (outcome.decision !== 'approved' && outcome.decision !== 'approved_for_session')
        return { output: `not done: ${outcome.decision}`, success: false };
      const id = ctx.items.newItemId();
      if (args.kind === 'command') {
        const item = { id, type: 'command_execution' as const, command: `do ${args.what}`, cwd: ctx.cwd };
        ctx.items.started({ ...item, aggregated_output: '', exit_code: null, status: 'in_progress' });
        ctx.items.outputDelta(id, `did ${args.what}\n`);
        ctx.items.completed({
          ...item,
          aggregated_output: `did ${args.what}\n`,
          exit_code: 0,
          status: 'completed',
        });
      } else {
        const changes = [{ path: file, kind: 'add' as const, diff: '+new\n' }];
        ctx.items.started({ id, type: 'file_change', changes, status: 'in_progress' });
        ctx.items.completed({ id, type: 'file_change', changes, status: 'completed' });
      }
      return { output: `did ${args.what}`, success: true };
    },
  };
}

async function setup(script: EmulatorOptions['script'], decisions: ApprovalDecision[]) {
  emulator = await startEmulator({ script });
  server = new AppServer({
    env: serverEnv(emulator),
    createTools: () => ({ registry: new ToolRegistry([askingTool(decisions)]), close: async () => {} }),
  });
  const { client } = streamClient(server);
  await client.initialize();
  const threadId = (await client.call('thread/start', { cwd: tempDir(), approvalPolicy: 'on-request' }))
    .thread.id;
  return { client, threadId };
}

async function turn(client: ProtocolClient, threadId: string) {
  const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'go' }] });
  return (await client.turnCompleted(turn.id)).params.turn;
}

describe('app-server approvals', () => {
  it('maps accept, acceptForSession, decline and acceptWithExecpolicyAmendment, for commands and file changes', async () => {
    const decisions: ApprovalDecision[] = [];
    const { client, threadId } = await setup(
      [
        respond(call('ask', { what: 'one', kind: 'command' })),
        respond(call('ask', { what: 'two', kind: 'command' })),
        respond(call('ask', { what: 'three', kind: 'patch' })),
        respond(call('ask', { what: 'four', kind: 'patch' })),
        respond(say('All asked.')),
      ],
      decisions,
    );
    const answers = [
      'accept',
      'acceptForSession',
      'decline',
      { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['do'] } },
    ];
    client.onServerRequest = () => ({ decision: answers.shift() });
    expect((await turn(client, threadId)).status).toBe('completed');
    expect(decisions).toEqual([
      'approved',
      'approved_for_session',
      'denied',
      'approved_execpolicy_amendment',
    ]);

    const requests = client.messages.filter((m) => typeof m.method === 'string' && m.id !== undefined);
    expect(requests.map((r) => r.method)).toEqual([
      'item/commandExecution/requestApproval',
      'item/commandExecution/requestApproval',
      'item/fileChange/requestApproval',
      'item/fileChange/requestApproval',
    ]);
    expect(requests[0]!.params).toMatchObject({ threadId, command: 'do one', reason: 'one changes things' });
    const finalItem = (itemId: string) =>
      client.notifications('item/completed', (p) => p.item.id === itemId)[0].item;
    const [one, , three, four] = requests.map((r) => finalItem(r.params.itemId));
    // An approved command's own item takes the asked item's id: one item, with its output.
    expect(one).toMatchObject({
      type: 'commandExecution',
      status: 'completed',
      aggregatedOutput: 'did one\n',
    });
    expect(
      client.notifications(
        'item/commandExecution/outputDelta',
        (p) => p.itemId === requests[0]!.params.itemId,
      ),
    ).toHaveLength(1);
    expect(three).toMatchObject({ type: 'fileChange', status: 'declined' });
    expect(four).toMatchObject({
      type: 'fileChange',
      status: 'completed',
      changes: [{ kind: { type: 'add' }, diff: '+new\n' }],
    });
    const statuses = client
      .notifications('thread/status/changed')
      .map((p) => p.status.activeFlags ?? p.status.type);
    expect(statuses).toContainEqual(['waitingOnApproval']);
    expect(statuses.at(-1)).toBe('idle');
    expect(client.schemaProblems()).toEqual([]);
  });

  it('cancel declines and stops the turn; an answer that is not a decision is a decline', async () => {
    const decisions: ApprovalDecision[] = [];
    const { client, threadId } = await setup(
      [
        respond(call('ask', { what: 'odd', kind: 'command' })),
        respond(call('ask', { what: 'stop', kind: 'command' })),
        respond(say('never sent')),
      ],
      decisions,
    );
    const answers: unknown[] = [{ decision: 'maybe' }, { decision: 'cancel' }];
    client.onServerRequest = () => answers.shift();
    expect((await turn(client, threadId)).status).toBe('interrupted');
    expect(decisions).toEqual(['denied', 'abort']);
    expect(emulator!.requests).toHaveLength(2);
    const history = emulator!.requests[1]!.bodyText;
    expect(history).toContain('not done: denied');
    expect(client.schemaProblems()).toEqual([]);
  });

  it('an approval the client answers with an error, or cannot answer, is declined', async () => {
    const decisions: ApprovalDecision[] = [];
    const { client, threadId } = await setup(
      [respond(call('ask', { what: 'x', kind: 'command' })), respond(say('Fine.'))],
      decisions,
    );
    // No answer from the handler: the test answers with a JSON-RPC error instead.
    client.onServerRequest = () => undefined;
    const { turn: started } = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'go' }],
    });
    const request = await client.waitFor((m) => m.method === 'item/commandExecution/requestApproval');
    client.sendRaw(JSON.stringify({ id: request.id, error: { code: -32000, message: 'no UI here' } }));
    expect((await client.turnCompleted(started.id)).params.turn.status).toBe('completed');
    expect(decisions).toEqual(['denied']);
    expect(emulator!.requests[1]!.bodyText).toContain('not done: denied');
    expect(client.schemaProblems()).toEqual([]);
  });

  it('asks every subscribed client; the first answer decides and the others are told it is resolved', async () => {
    const decisions: ApprovalDecision[] = [];
    const { client, threadId } = await setup(
      [respond(call('ask', { what: 'shared', kind: 'command' })), respond(say('Done.'))],
      decisions,
    );
    const { client: other } = streamClient(server!);
    await other.initialize('other-editor');
    await other.call('thread/resume', { threadId });
    client.onServerRequest = () => undefined;
    other.onServerRequest = () => ({ decision: 'accept' });
    const { turn: started } = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'go' }],
    });
    await client.turnCompleted(started.id);
    expect(decisions).toEqual(['approved']);
    const [asked] = client.messages.filter((m) => m.method === 'item/commandExecution/requestApproval');
    expect(client.notifications('serverRequest/resolved')).toEqual([{ threadId, requestId: asked!.id }]);
    // A late answer to a resolved request changes nothing.
    client.sendRaw(JSON.stringify({ id: asked!.id, result: { decision: 'cancel' } }));
    expect(other.notifications('turn/completed')).toHaveLength(1);
    expect(client.schemaProblems()).toEqual([]);
    expect(other.schemaProblems()).toEqual([]);
  });
});
