/**
 * What a Codex v2 client sees of one turn with an approval, a plan and an answer, through
 * `spool app-server` processes on stdio, every message checked against Codex's schema:
 *
 * - the approval request carries `startedAtMs` and `availableDecisions`;
 * - each item has one id forever: the ids of the live notifications are the ids `thread/read` and
 *   `thread/resume` (in another process) return;
 * - `turn/completed` carries the final `agentMessage`;
 * - `turn/plan/updated` keeps `inProgress` and the model's `explanation`, and is sent once per update.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { type ProcessClient, serverEnv, spawnServer } from './support/harness.js';
import type { Loose } from './support/protocol-client.js';

let emulator: Emulator | undefined;
const servers: ProcessClient[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.child.stdin?.end();
    await server.exited;
  }
  await emulator?.close();
  emulator = undefined;
});

function start(env: NodeJS.ProcessEnv): ProcessClient {
  const server = spawnServer(env);
  servers.push(server);
  return server;
}

/** id → item type of every item in `turns` (thread/read, thread/resume). */
function itemTypes(items: Loose[]): Map<string, string> {
  return new Map(items.map((item: Loose) => [item.id as string, item.type as string]));
}

describe('app-server as a Codex v2 client sees it', () => {
  it('approvals, item ids, the final message and the plan match what Codex sends', async () => {
    const plan = {
      explanation: 'First the file, then the check.',
      plan: [
        { step: 'create the file', status: 'completed' },
        { step: 'check it', status: 'in_progress' },
        { step: 'report', status: 'pending' },
      ],
    };
    emulator = await startEmulator({
      script: [
        respond(shellCall('touch made.txt')),
        respond(call('update_plan', plan)),
        respond(say('Made it.')),
      ],
    });
    const env = serverEnv(emulator);
    const first = start(env);
    const { client } = first;
    client.onServerRequest = () => ({ decision: 'accept' });
    await client.initialize();
    const cwd = tempDir();
    const started = await client.call('thread/start', {
      cwd,
      sandbox: 'workspace-write',
      approvalPolicy: 'untrusted',
    });
    const threadId = started.thread.id as string;
    const { turn } = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'make a file' }],
    });
    const completed = (await client.turnCompleted(turn.id)).params.turn;
    expect(completed.status).toBe('completed');
    expect(fs.existsSync(path.join(cwd, 'made.txt'))).toBe(true);

    // The approval request: Codex's required startedAtMs, and the answers a client may give.
    const request = client.messages.find((m) => m.method === 'item/commandExecution/requestApproval');
    expect(request).toBeDefined();
    const params = request!.params;
    expect(Number.isInteger(params.startedAtMs)).toBe(true);
    expect(Math.abs(params.startedAtMs - Date.now())).toBeLessThan(60_000);
    expect(params.availableDecisions).toEqual(expect.arrayContaining(['accept', 'decline', 'cancel']));
    // The item the request is about is the command's item, under the same id to the end.
    const commandIds = new Set(
      client.notifications('item/completed', (p) => p.item.type === 'commandExecution').map((p) => p.item.id),
    );
    expect([...commandIds]).toEqual([params.itemId]);

    // turn/completed carries the final agent message, the one the client saw complete.
    const liveMessage = client
      .notifications('item/completed', (p) => p.item.type === 'agentMessage')
      .map((p) => p.item)
      .at(-1);
    expect(liveMessage.text).toBe('Made it.');
    expect(completed.items).toEqual([liveMessage]);

    // One plan update, with the step in progress and the explanation.
    const plans = client.notifications('turn/plan/updated');
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      turnId: turn.id,
      explanation: plan.explanation,
      plan: [
        { step: 'create the file', status: 'completed' },
        { step: 'check it', status: 'inProgress' },
        { step: 'report', status: 'pending' },
      ],
    });

    // One id per item: live notifications and thread/read agree.
    const live = itemTypes(
      client.notifications('item/completed', (p) => p.turnId === turn.id).map((p) => p.item),
    );
    const read = await client.call('thread/read', { threadId, includeTurns: true });
    expect(itemTypes(read.thread.turns[0].items)).toEqual(live);
    expect(client.schemaProblems()).toEqual([]);
    first.child.stdin?.end();
    await first.exited;

    // Another process resumes the thread: the same ids again.
    const second = start(env);
    await second.client.initialize();
    const resumed = await second.client.call('thread/resume', { threadId });
    expect(itemTypes(resumed.thread.turns[0].items)).toEqual(live);
    const reread = await second.client.call('thread/read', { threadId, includeTurns: true });
    expect(reread.thread.turns[0].items).toEqual(read.thread.turns[0].items);
    expect(second.client.schemaProblems()).toEqual([]);
  }, 120_000);

  it('a declined command keeps its one id, live and read back', async () => {
    emulator = await startEmulator({
      script: [respond(shellCall('touch nope.txt')), respond(say('I did not make it.'))],
    });
    const env = serverEnv(emulator);
    const { client } = start(env);
    client.onServerRequest = () => ({ decision: 'decline' });
    await client.initialize();
    const cwd = tempDir();
    const threadId = (
      await client.call('thread/start', { cwd, sandbox: 'workspace-write', approvalPolicy: 'untrusted' })
    ).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'go' }] });
    await client.turnCompleted(turn.id);
    expect(fs.existsSync(path.join(cwd, 'nope.txt'))).toBe(false);
    const declined = client
      .notifications('item/completed', (p) => p.item.type === 'commandExecution')
      .map((p) => p.item);
    expect(declined).toHaveLength(1);
    expect(declined[0].status).toBe('declined');
    const live = itemTypes(
      client.notifications('item/completed', (p) => p.turnId === turn.id).map((p) => p.item),
    );
    const read = await client.call('thread/read', { threadId, includeTurns: true });
    expect(itemTypes(read.thread.turns[0].items)).toEqual(live);
    expect(client.schemaProblems()).toEqual([]);
  }, 60_000);
});
