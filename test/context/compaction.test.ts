import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryItem } from '../../src/protocol/items.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  applyPatchCall,
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  startEmulator,
} from '../emulator/index.js';
import { threadOn, WIRES, type WireName } from '../support/thread.js';
import { echoTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const CHECKPOINT = [
  '## Goal',
  'Count to a large number, one echo per step.',
  '## Rules',
  'Keep each step small.',
  '## Decisions',
  'Use echo.',
  '## Done',
  'Counted some steps.',
  '## Remaining',
  'The rest of the count.',
  '## Next step',
  'Echo the next number.',
  '## Files touched',
  'notes.txt',
  '## Notes',
  'none',
].join('\n');

function conversation(request: RecordedRequest): unknown[] {
  return (request.body?.input ?? request.body?.messages ?? []) as unknown[];
}

function isCheckpointRequest(request: RecordedRequest): boolean {
  return JSON.stringify(conversation(request).at(-1) ?? '').includes('<compaction_request>');
}

/** A model that echoes `steps` times (each output `size` bytes) and writes checkpoints when asked. */
function countingModel(steps: number, size: number) {
  let done = 0;
  return (request: RecordedRequest): Step => {
    if (isCheckpointRequest(request)) return respond(say(CHECKPOINT));
    done++;
    if (done > steps) return respond(say('Counted.'));
    return respond(call('echo', { text: `${done}:${'x'.repeat(size)}` }));
  };
}

function texts(history: readonly HistoryItem[]): string {
  return JSON.stringify(history);
}

describe.each(WIRES)('local compaction over the %s wire', (wire: WireName) => {
  it('compacts mid-turn, keeps the goal, the checkpoint and the last steps, and the prefix is stable again', async () => {
    emulator = await startEmulator({ script: countingModel(30, 1_500) });
    const { thread, events } = threadOn(
      emulator,
      new ToolRegistry([echoTool({ runs: [] })]),
      { compaction: 'local', contextWindow: 12_000, autoCompactTokenLimit: 8_000 },
      { wire },
    );
    expect(await thread.runTurn('Please count to 30 with echo.')).toMatchObject({
      status: 'completed',
      finalMessage: 'Counted.',
    });

    const compactions = events.filter(
      (e) => e.type === 'item.completed' && e.item.type === 'context_compaction',
    );
    expect(compactions.length).toBeGreaterThanOrEqual(2);
    expect(compactions[0]).toMatchObject({ item: { trigger: 'auto', mode: 'local', status: 'completed' } });

    // Every request stayed within the window, and none was refused.
    for (const r of emulator.requests) expect(r.inputTokens).toBeLessThan(12_000);
    expect(emulator.problems).toEqual([]);

    // The history after the last compaction: fresh initial context, the prompt, the checkpoint.
    const history = texts(thread.history);
    expect(history).toContain('<permissions>');
    expect(history).toContain('Please count to 30 with echo.');
    expect(history).toContain('<context_checkpoint>');
    expect(history).toContain('## Next step');
    expect(history).toContain('## Last tool steps (verbatim)');

    // The checkpoint request extends the request before it (same instructions and tools: cached).
    const requests = emulator.requests;
    const first = requests.findIndex(isCheckpointRequest);
    expect(requests[first]!.cachedTokens).toBeGreaterThan(requests[first - 1]!.inputTokens * 0.8);
    // After a compaction, requests are byte-exact extensions of each other again.
    const after = requests
      .slice(first + 1, first + 4)
      .map((r) => conversation(r).map((x) => JSON.stringify(x)));
    for (let i = 1; i < after.length; i++) {
      const stable = wire === 'chat' ? after[i - 1]!.length - 1 : after[i - 1]!.length;
      expect(after[i]!.slice(0, stable)).toEqual(after[i - 1]!.slice(0, stable));
    }
  });
});

describe('remote compaction', () => {
  it('round-trips /responses/compact and keeps the encrypted compaction item in history', async () => {
    emulator = await startEmulator({
      script: countingModel(12, 1_500),
      compact: [{ encrypted_content: 'opaque-state-1' }],
    });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      contextWindow: 12_000,
      autoCompactTokenLimit: 6_000,
    });
    expect((await thread.runTurn('Count to 12.')).status).toBe('completed');
    const compactRequests = emulator.requests.filter((r) => r.wire === 'compact');
    expect(compactRequests.length).toBeGreaterThanOrEqual(1);
    expect(compactRequests[0]!.body).toMatchObject({ model: 'gpt-test', tools: expect.any(Array) });
    expect(
      events.find((e) => e.type === 'item.completed' && e.item.type === 'context_compaction'),
    ).toMatchObject({
      item: { mode: 'remote', trigger: 'auto', status: 'completed' },
    });
    // The next model request carries the compaction item unchanged, after a fresh initial context.
    const afterCompact = emulator.requests.find(
      (r) => r.seq > compactRequests[0]!.seq && r.wire === 'responses',
    )!;
    const input = conversation(afterCompact) as Array<Record<string, unknown>>;
    expect(input[0]).toMatchObject({ role: 'developer' });
    expect(input.find((i) => i.type === 'compaction')).toEqual({
      type: 'compaction',
      encrypted_content: 'opaque-state-1',
    });
    expect(JSON.stringify(input)).toContain('Count to 12.');
    expect(emulator.problems).toEqual([]);
  });

  it('falls back to a local checkpoint when the server has no /responses/compact', async () => {
    emulator = await startEmulator({
      script: countingModel(8, 1_500),
      compact: [
        {
          http: {
            status: 404,
            body: {
              error: { message: 'Invalid URL', type: 'invalid_request_error', code: null, param: null },
            },
          },
        },
      ],
    });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      contextWindow: 12_000,
      autoCompactTokenLimit: 6_000,
    });
    expect((await thread.runTurn('Count to 8.')).status).toBe('completed');
    expect(events.some((e) => e.type === 'warning' && /remote compaction failed/.test(e.message))).toBe(true);
    const done = events.filter((e) => e.type === 'item.completed' && e.item.type === 'context_compaction');
    expect(done.map((e) => (e as { item: { mode: string } }).item.mode)).toContain('local');
    expect(texts(thread.history)).toContain('<context_checkpoint>');
  });
});

describe('overflow and manual compaction', () => {
  it('compacts and retries when the server window is smaller than configured', async () => {
    emulator = await startEmulator({
      script: [respond(call('echo', { text: 'y'.repeat(20_000) })), respond(say('fits now'))],
      contextWindow: 4_500,
    });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]));
    const outcome = await thread.runTurn('Produce a big output.');
    expect(outcome).toMatchObject({ status: 'completed', finalMessage: 'fits now' });
    expect(
      events.find((e) => e.type === 'item.completed' && e.item.type === 'context_compaction'),
    ).toMatchObject({
      item: { trigger: 'overflow', mode: 'remote' },
    });
    // The refusal names no size: the compaction request may be refused too, and is then fitted
    // smaller each time (never resent as it was) until it goes through.
    const outcomes = emulator.requests.map((r) => r.outcome);
    expect(outcomes.slice(0, 2)).toEqual(['response', 'context_length_exceeded']);
    expect(outcomes.slice(-2)).toEqual(['compacted', 'response']);
    const refits = emulator.requests.slice(2, -2);
    expect(refits.every((r) => r.wire === 'compact' && r.outcome === 'context_length_exceeded')).toBe(true);
    const sizes = emulator.requests.filter((r) => r.wire === 'compact').map((r) => r.inputTokens);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(new Set(sizes).size).toBe(sizes.length);
  });

  it('compacts on request between turns and lists the files patches touched', async () => {
    emulator = await startEmulator({
      script: [
        respond(applyPatchCall('*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch')),
        respond(say('added')),
        respond(say(CHECKPOINT)),
        respond(say('continuing')),
      ],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      compaction: 'local',
    });
    await thread.runTurn('Add notes.');
    expect(await thread.compact()).toBe(true);
    const history = texts(thread.history);
    expect(history).toContain('## Files changed by patches (exact)');
    expect(history).toContain('- notes.txt');
    expect(await thread.runTurn('Go on.')).toMatchObject({ finalMessage: 'continuing' });
  });
});

describe('a long session in a small window', () => {
  it('runs 1,000 steps in a 32k window without ever exceeding it', async () => {
    emulator = await startEmulator({ script: countingModel(1_000, 600), contextWindow: 32_000 });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      compaction: 'local',
      contextWindow: 32_000,
      autoCompactTokenLimit: 28_800,
    });
    const outcome = await thread.runTurn('Count to 1000 with echo, one number per step.');
    expect(outcome).toMatchObject({ status: 'completed', finalMessage: 'Counted.' });
    expect(emulator.requests.filter((r) => r.outcome === 'context_length_exceeded')).toEqual([]);
    expect(Math.max(...emulator.requests.map((r) => r.inputTokens))).toBeLessThanOrEqual(32_000);
    const compactions = events.filter(
      (e) => e.type === 'item.completed' && e.item.type === 'context_compaction',
    );
    expect(compactions.length).toBeGreaterThan(5);
    // The goal survives every compaction.
    expect(texts(thread.history)).toContain('Count to 1000 with echo');
  }, 120_000);
});
