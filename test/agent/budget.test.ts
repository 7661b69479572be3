import { afterEach, describe, expect, it } from 'vitest';
import { SessionBudget } from '../../src/agent/budget.js';
import { Thread } from '../../src/agent/thread.js';
import type { SpoolEvent, SpoolEventOf } from '../../src/protocol/events.js';
import type { ModelPrice } from '../../src/protocol/settings.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  startEmulator,
} from '../emulator/index.js';
import { clientFor, testSettings, threadOn } from '../support/thread.js';
import { echoTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

// USD per million tokens: easy numbers so expected costs are plain arithmetic.
const PRICE: ModelPrice = { input: 2, cachedInput: 0.5, output: 8 };
const prices = { 'gpt-test': PRICE };

/** A long step: the echo's output grows the history by ~1000 tokens per request. */
const bigEcho = (i: number) => respond(call('echo', { text: `${i}:${'word '.repeat(800)}` }));

function updates(events: SpoolEvent[]): SpoolEventOf<'usage.updated'>[] {
  return events.filter((e): e is SpoolEventOf<'usage.updated'> => e.type === 'usage.updated');
}

describe('cost of requests, turns and threads', () => {
  it('prices each response from its cached and uncached input and its output', async () => {
    emulator = await startEmulator({ script: [bigEcho(0), bigEcho(1), respond(say('Done.'))] });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      modelPrices: prices,
    });
    const outcome = await thread.runTurn('go');
    expect(outcome.status).toBe('completed');

    const seen = updates(events);
    expect(seen).toHaveLength(3);
    let turnUsd = 0;
    emulator.requests.forEach((request, i) => {
      const { last, cost } = seen[i]!;
      // The emulator's own accounting of the request: what it counted as input and as cached.
      expect(last.input_tokens).toBe(request.inputTokens);
      expect(last.cached_input_tokens).toBe(request.cachedTokens);
      const uncached = ((request.inputTokens - request.cachedTokens) * 2) / 1e6;
      const cached = (request.cachedTokens * 0.5) / 1e6;
      const output = (last.output_tokens * 8) / 1e6;
      expect(cost!.last.uncached_input_usd).toBeCloseTo(uncached, 12);
      expect(cost!.last.cached_input_usd).toBeCloseTo(cached, 12);
      expect(cost!.last.output_usd).toBeCloseTo(output, 12);
      expect(cost!.last.usd).toBeCloseTo(uncached + cached + output, 12);
      turnUsd += uncached + cached + output;
      expect(cost!.turn.usd).toBeCloseTo(turnUsd, 12);
    });
    // Later requests reuse the cached prefix, and the cost shows it apart.
    expect(emulator.requests[2]!.cachedTokens).toBeGreaterThan(0);
    const completed = events.find((e) => e.type === 'turn.completed') as SpoolEventOf<'turn.completed'>;
    expect(completed.cost!.usd).toBeCloseTo(turnUsd, 12);
    expect(thread.totalCost.usd).toBeCloseTo(turnUsd, 12);
  });

  it('shows an unknown price as unknown, never as zero', async () => {
    emulator = await startEmulator({ script: [respond(say('Hi.'))] });
    const { thread, events } = threadOn(emulator, new ToolRegistry([]), { model: 'gpt-unpriced-test' });
    await thread.runTurn('hi');
    const [update] = updates(events);
    expect(update!.cost!.last).toEqual({
      usd: null,
      uncached_input_usd: null,
      cached_input_usd: null,
      output_usd: null,
    });
    expect(thread.totalCost.usd).toBeNull();
  });
});

describe('spend caps', () => {
  /** Per-request tokens (input + output) of an uncapped run of `steps` echo steps. */
  async function uncappedRun(steps: number): Promise<{ spent: number[]; inputs: number[] }> {
    const emu = await startEmulator({
      script: [...Array.from({ length: steps }, (_, i) => bigEcho(i)), respond(say('Done.'))],
    });
    try {
      const { thread, events } = threadOn(emu, new ToolRegistry([echoTool({ runs: [] })]));
      await thread.runTurn('go');
      const lasts = updates(events).map((u) => u.last);
      let total = 0;
      return {
        spent: lasts.map((u) => {
          total += u.input_tokens + u.output_tokens;
          return total;
        }),
        inputs: lasts.map((u) => u.input_tokens),
      };
    } finally {
      await emu.close();
    }
  }

  it('stops a 100-step turn before the request that would pass max_turn_tokens', async () => {
    const reference = await uncappedRun(14);
    // A cap that request 10 fits under (spent before it plus its input) and request 11 does not.
    const cap = reference.spent[9]! + Math.floor(reference.inputs[10]! / 2);
    expect(cap).toBeGreaterThanOrEqual(reference.spent[8]! + reference.inputs[9]!);

    emulator = await startEmulator({
      script: [...Array.from({ length: 100 }, (_, i) => bigEcho(i)), respond(say('Done.'))],
    });
    const runs = { runs: [] as unknown[] };
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool(runs as never)]), {
      budget: { turn: { maxTokens: cap } },
    });
    const outcome = await thread.runTurn('go');

    expect(outcome.status).toBe('failed');
    expect(emulator.requests).toHaveLength(10);
    const failed = events.find((e) => e.type === 'turn.failed') as SpoolEventOf<'turn.failed'>;
    expect(failed.error.kind).toBe('budget_exceeded');
    expect(failed.error.message).toContain(`max_turn_tokens cap is ${cap} tokens`);
    expect(failed.error.message).toContain(`${reference.spent[9]} have been used`);
    // The last call was answered before the stop: history is whole, the next turn goes on from it.
    expect(runs.runs).toHaveLength(10);
    const last = thread.history.at(-1)!;
    expect(last.type).toBe('function_call_output');

    // A raised cap: the next turn continues the script where the stopped one left it.
    thread.updateSettings({ budget: { turn: { maxTokens: cap * 1000 } } });
    const resumed = await thread.runTurn('continue');
    expect(resumed).toMatchObject({ status: 'completed', finalMessage: 'Done.' });
    expect(emulator.remainingSteps()).toBe(0);
    expect(emulator.problems).toEqual([]);
  });

  it('stops at max_cost_usd, naming the cap and the spend; an unknown price cannot pass a cost cap', async () => {
    emulator = await startEmulator({
      script: [...Array.from({ length: 50 }, (_, i) => bigEcho(i)), respond(say('Done.'))],
    });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      modelPrices: prices,
      budget: { session: { maxCostUsd: 0.05 } },
    });
    await thread.runTurn('go');
    const failed = events.find((e) => e.type === 'turn.failed') as SpoolEventOf<'turn.failed'>;
    expect(failed.error.message).toMatch(
      /the session's max_cost_usd cap is \$0\.0500 and \$0\.0\d+ has been spent/,
    );
    const seen = updates(events);
    const spent = seen.at(-1)!.cost!.thread.usd!;
    // The last request was let through on its input: spend before it plus its input fit the cap
    // (its output is known only afterwards), and the next request's input would not have.
    const last = seen.at(-1)!.cost!.last;
    expect(spent - last.output_usd!).toBeLessThanOrEqual(0.05);
    expect(spent + last.uncached_input_usd! + last.cached_input_usd!).toBeGreaterThan(0.05);
    expect(failed.cost!.usd).toBeCloseTo(spent, 12);

    const unpriced = new Thread({
      client: clientFor('responses', emulator.url),
      settings: testSettings({ model: 'gpt-unpriced-test', budget: { session: { maxCostUsd: 1 } } }),
      tools: new ToolRegistry([]),
    });
    const before = emulator.requests.length;
    const outcome = await unpriced.runTurn('hi');
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'budget_exceeded' } });
    expect(outcome.status === 'failed' && outcome.error.message).toContain(
      '[model_prices."gpt-unpriced-test"]',
    );
    expect(emulator.requests).toHaveLength(before);
  });

  it('counts a thread working for another (a sub-agent) toward its root budget', async () => {
    emulator = await startEmulator({
      script: [bigEcho(0), respond(say('Child done.')), respond(say('Root answer.'))],
    });
    const root = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      budget: { session: { maxTokens: 1_000_000 } },
    });
    const child = new Thread({
      client: clientFor('responses', emulator.url),
      settings: testSettings(),
      tools: new ToolRegistry([echoTool({ runs: [] })]),
      budget: root.thread.budget,
    });
    expect(child.budget).toBe(root.thread.budget);
    const childOutcome = await child.runTurn('work for the root');
    expect(childOutcome.status).toBe('completed');
    const childSpent = root.thread.budget.spent.tokens;
    const firstInput = emulator.requests[0]!.inputTokens;
    expect(childSpent).toBeGreaterThan(firstInput);

    // The root's own first request (about the child's first in size) would fit this cap alone,
    // but not on top of what the child spent.
    root.thread.updateSettings({
      budget: { session: { maxTokens: childSpent + Math.round(firstInput / 2) } },
    });
    const outcome = await root.thread.runTurn('and now you');
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'budget_exceeded' } });
    expect(emulator.requests).toHaveLength(2);
    expect(outcome.status === 'failed' && outcome.error.message).toContain(`${childSpent} have been used`);

    // Without the shared budget the same root request goes through.
    const own = new Thread({
      client: clientFor('responses', emulator.url),
      settings: testSettings({ budget: { session: { maxTokens: childSpent + Math.round(firstInput / 2) } } }),
      tools: new ToolRegistry([echoTool({ runs: [] })]),
    });
    expect(own.budget).toBeInstanceOf(SessionBudget);
    expect((await own.runTurn('alone')).status).toBe('completed');
  });
});

describe('compaction requests are requests: charged and capped', () => {
  const CHECKPOINT = '## Goal\nCount.\n## Done\nSome steps.\n## Next step\nEcho the next number.';
  const isCheckpoint = (request: RecordedRequest) =>
    JSON.stringify(request.body?.input ?? []).includes('<compaction_request>');
  /** A model that echoes `steps` times (~1,000 tokens each) and writes a checkpoint when asked. */
  function counting(steps: number) {
    let done = 0;
    return (request: RecordedRequest): Step => {
      if (isCheckpoint(request)) return respond(say(CHECKPOINT));
      done++;
      return done > steps ? respond(say('Counted.')) : bigEcho(done);
    };
  }
  const SMALL_WINDOW = { compaction: 'local' as const, contextWindow: 12_000, autoCompactTokenLimit: 8_000 };

  it('counts a mid-turn checkpoint request in the turn, the thread and the cost', async () => {
    emulator = await startEmulator({ script: counting(12) });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      ...SMALL_WINDOW,
      modelPrices: prices,
    });
    const outcome = await thread.runTurn('count');
    expect(outcome.status).toBe('completed');
    const checkpoints = emulator.requests.filter(isCheckpoint);
    expect(checkpoints.length).toBeGreaterThan(0);
    // Every request the emulator saw, checkpoints included, is in the totals.
    const input = emulator.requests.reduce((sum, r) => sum + r.inputTokens, 0);
    expect(outcome.usage.input_tokens).toBe(input);
    expect(thread.totalUsage.input_tokens).toBe(input);
    const seen = updates(events);
    expect(seen).toHaveLength(emulator.requests.length);
    const usd = seen.reduce((sum, u) => sum + u.cost!.last.usd!, 0);
    expect(thread.totalCost.usd).toBeCloseTo(usd, 12);
    const completed = events.find((e) => e.type === 'turn.completed') as SpoolEventOf<'turn.completed'>;
    expect(completed.cost!.usd).toBeCloseTo(usd, 12);
  });

  it('stops the turn at the cap before a checkpoint request, and refuses a manual compaction past it', async () => {
    // Where the first checkpoint comes, and what was spent before it, on an uncapped run (the
    // emulator's token counts are deterministic, so a second run spends the same).
    const probe = await startEmulator({ script: counting(12) });
    let index: number;
    let spentBefore: number;
    try {
      const { thread, events } = threadOn(probe, new ToolRegistry([echoTool({ runs: [] })]), SMALL_WINDOW);
      await thread.runTurn('count');
      index = probe.requests.findIndex(isCheckpoint);
      expect(index).toBeGreaterThan(1);
      spentBefore = updates(events)
        .slice(0, index)
        .reduce((sum, u) => sum + u.last.input_tokens + u.last.output_tokens, 0);
    } finally {
      await probe.close();
    }
    // The requests before the checkpoint fit (with room for estimates); its ~8,000-token input does not.
    emulator = await startEmulator({ script: counting(12) });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      ...SMALL_WINDOW,
      budget: { turn: { maxTokens: spentBefore + 1_000 } },
    });
    const outcome = await thread.runTurn('count');
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'budget_exceeded' } });
    expect(emulator.requests).toHaveLength(index);
    expect(emulator.requests.some(isCheckpoint)).toBe(false);
    expect(events.some((e) => e.type === 'item.started' && e.item.type === 'context_compaction')).toBe(false);

    // Between turns: a session cap already reached refuses /compact before sending anything.
    thread.updateSettings({ budget: { session: { maxTokens: spentBefore } } });
    expect(await thread.compact()).toBe(false);
    expect(emulator.requests).toHaveLength(index);
    const warning = events.filter((e) => e.type === 'warning').at(-1) as SpoolEventOf<'warning'>;
    expect(warning.message).toMatch(
      /^compaction was not started: budget reached: the session's max_tokens cap/,
    );
  });
});
