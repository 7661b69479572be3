/**
 * The approval seam: a reviewer set on the thread gets every request before the human, decides it
 * or hands it on (with its own words), and may stop the turn; developer notes reach the model at
 * the next request without rewriting history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalReview } from '../../src/agent/approvals.js';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { guardedTool } from '../support/guarded-tool.js';
import { threadOn } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function outputs(history: readonly unknown[]): unknown[] {
  return (history as Array<{ type: string; output?: unknown }>)
    .filter((i) => i.type === 'function_call_output')
    .map((i) => i.output);
}

describe('approval reviewer seam', () => {
  it('decides without asking the human, and hands on what it will not decide', async () => {
    emulator = await startEmulator({
      script: [
        respond(
          call('guarded', { what: 'a' }),
          call('guarded', { what: 'b' }),
          call('guarded', { what: 'c' }),
        ),
        respond(say('ok')),
      ],
    });
    const runs: string[] = [];
    const { thread, events } = threadOn(emulator, new ToolRegistry([guardedTool(runs)]));
    const reviewed: ApprovalReview[] = [];
    thread.setApprovalReviewer({
      review: async (review) => {
        reviewed.push(review);
        const what = review.request.command?.[1];
        review.emit({ type: 'warning', message: `reviewed ${what}`, source: 'guardian' });
        if (what === 'a') return { decision: 'approved' };
        if (what === 'b') return { decision: 'denied', reason: 'too risky' };
        return review.askHuman({ ...review.request, reason: 'the reviewer asks you' });
      },
    });
    thread.subscribe((event) => {
      if (event.type === 'approval.requested') thread.resolveApproval(event.request.id, 'approved');
    });
    expect((await thread.runTurn('go')).status).toBe('completed');
    expect(runs.sort()).toEqual(['a', 'c']);
    expect(outputs(thread.history)).toEqual(['did a', 'not done: denied (too risky)', 'did c']);
    // Only the handed-on request reached the human, with the reviewer's words and its own id.
    const asked = events.filter(
      (e): e is Extract<SpoolEvent, { type: 'approval.requested' }> => e.type === 'approval.requested',
    );
    expect(asked.map((e) => [e.request.display, e.request.reason])).toEqual([
      ['do c', 'the reviewer asks you'],
    ]);
    const c = reviewed.find((r) => r.request.command?.[1] === 'c');
    expect(asked[0]!.request.id).toBe(c!.request.id);
    expect(new Set(reviewed.map((r) => r.request.id)).size).toBe(3);
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(3);
  });

  it('an abort from the reviewer stops the turn; a reviewer removed is no longer asked', async () => {
    emulator = await startEmulator({
      script: [
        respond(call('guarded', { what: 'a' })),
        respond(call('guarded', { what: 'b' })),
        respond(say('x')),
      ],
    });
    const runs: string[] = [];
    const { thread } = threadOn(emulator, new ToolRegistry([guardedTool(runs)]));
    thread.setApprovalReviewer({ review: async () => ({ decision: 'abort', reason: 'enough' }) });
    expect((await thread.runTurn('go')).status).toBe('interrupted');
    expect(emulator.requests).toHaveLength(1);
    thread.setApprovalReviewer(undefined);
    thread.subscribe((event) => {
      if (event.type === 'approval.requested') thread.resolveApproval(event.request.id, 'approved');
    });
    expect((await thread.runTurn('again')).status).toBe('completed');
    expect(runs).toEqual(['b']);
  });

  it('a reviewer that throws denies (fails closed): nothing runs, the model is told why', async () => {
    emulator = await startEmulator({
      script: [respond(call('guarded', { what: 'a' })), respond(say('ok'))],
    });
    const runs: string[] = [];
    const { thread } = threadOn(emulator, new ToolRegistry([guardedTool(runs)]));
    thread.setApprovalReviewer({
      review: async () => {
        throw new Error('reviewer broke');
      },
    });
    expect((await thread.runTurn('go')).status).toBe('completed');
    expect(runs).toEqual([]);
    expect(outputs(thread.history)).toEqual([
      'not done: denied (the approval reviewer failed: reviewer broke)',
    ]);
  });

  it('a developer note is appended before the next request, never rewriting earlier items', async () => {
    emulator = await startEmulator({ script: [respond(say('one')), respond(say('two'))] });
    const { thread } = threadOn(emulator, new ToolRegistry([]));
    await thread.runTurn('first');
    const before = JSON.stringify(thread.history);
    thread.addDeveloperNote('the user approved X once');
    await thread.runTurn('second');
    const after = JSON.stringify(thread.history);
    expect(after.startsWith(before.slice(0, -1))).toBe(true);
    const second = emulator.requests[1]!.body!.input as Array<{
      role?: string;
      content?: Array<{ text: string }>;
    }>;
    const noteIndex = second.findIndex(
      (i) => i.role === 'developer' && i.content?.[0]?.text === 'the user approved X once',
    );
    const promptIndex = second.findIndex((i) => i.role === 'user' && i.content?.[0]?.text === 'second');
    expect(noteIndex).toBeGreaterThan(0);
    expect(noteIndex).toBeLessThan(promptIndex);
    // The first request is a prefix of the second (cache stability).
    const first = emulator.requests[0]!.body!.input as unknown[];
    expect(second.slice(0, first.length)).toEqual(first);
  });
});
