import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { functionSpec, parseJsonArguments } from '../../src/tools/spec.js';
import type { ToolHandler } from '../../src/tools/types.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { threadOn } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A tool that asks before acting and reports what it was told. */
function guardedTool(runs: string[]): ToolHandler<{ what: string }> {
  const schema = z.object({ what: z.string() });
  return {
    name: 'guarded',
    spec: functionSpec('guarded', 'Asks first.', schema),
    parallel: false,
    parse: (raw) => parseJsonArguments('guarded', raw, schema),
    run: async (args, ctx) => {
      const outcome = await ctx.requestApproval({
        kind: 'command',
        command: ['do', args.what],
        display: `do ${args.what}`,
        cwd: ctx.cwd,
        reason: 'it changes things',
        policy: ctx.approvalPolicy,
      });
      if (outcome.decision === 'approved' || outcome.decision === 'approved_for_session') {
        runs.push(args.what);
        return { output: `did ${args.what}`, success: true };
      }
      return {
        output: `not done: ${outcome.decision}${outcome.reason ? ` (${outcome.reason})` : ''}`,
        success: false,
      };
    },
  };
}

function outputs(history: readonly unknown[]): unknown[] {
  return (history as Array<{ type: string; output?: unknown }>)
    .filter((i) => i.type === 'function_call_output')
    .map((i) => i.output);
}

describe('approvals', () => {
  it('waits for the decision and passes it to the tool', async () => {
    emulator = await startEmulator({
      script: [respond(call('guarded', { what: 'a' }), call('guarded', { what: 'b' })), respond(say('ok'))],
    });
    const runs: string[] = [];
    const { thread, events } = threadOn(emulator, new ToolRegistry([guardedTool(runs)]));
    thread.subscribe((event) => {
      if (event.type !== 'approval.requested') return;
      const decision = event.request.command?.[1] === 'a' ? 'approved' : 'denied';
      // Answer asynchronously, as a person would.
      setTimeout(
        () =>
          thread.resolveApproval(
            event.request.id,
            decision,
            decision === 'denied' ? 'user said no' : undefined,
          ),
        5,
      );
    });
    expect((await thread.runTurn('go')).status).toBe('completed');
    expect(runs).toEqual(['a']);
    expect(outputs(thread.history)).toEqual(['did a', 'not done: denied (user said no)']);
    const requested = events.filter(
      (e): e is Extract<SpoolEvent, { type: 'approval.requested' }> => e.type === 'approval.requested',
    );
    expect(requested[0]!.request).toMatchObject({
      kind: 'command',
      display: 'do a',
      reason: 'it changes things',
      policy: 'never',
    });
    expect(
      events.filter((e) => e.type === 'approval.resolved').map((e) => (e as { decision: string }).decision),
    ).toEqual(['approved', 'denied']);
  });

  it('an interrupt while waiting resolves the request as abort', async () => {
    emulator = await startEmulator({ script: [respond(call('guarded', { what: 'a' }))] });
    const runs: string[] = [];
    const { thread } = threadOn(emulator, new ToolRegistry([guardedTool(runs)]));
    thread.subscribe((event) => {
      if (event.type === 'approval.requested') setTimeout(() => thread.interrupt(), 5);
    });
    expect((await thread.runTurn('go')).status).toBe('interrupted');
    expect(runs).toEqual([]);
    expect(outputs(thread.history)).toEqual(['aborted']);
  });

  it('the abort decision stops the turn', async () => {
    emulator = await startEmulator({
      script: [respond(call('guarded', { what: 'a' })), respond(say('never'))],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([guardedTool([])]));
    thread.subscribe((event) => {
      if (event.type === 'approval.requested') thread.resolveApproval(event.request.id, 'abort');
    });
    expect((await thread.runTurn('go')).status).toBe('interrupted');
    expect(emulator.requests).toHaveLength(1);
    expect(thread.resolveApproval('approval_0', 'approved')).toBe(false);
  });
});
