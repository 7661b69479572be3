/**
 * Context overflow from the server (issue 15, item 9): Spool is configured for a 32k window, the
 * server's is 20k. A refusal is never retried as the same request: the history is compacted — the
 * compaction request itself fitted to the window, dropping the oldest items but keeping the task
 * frontier — the real window is learned from the refusals and used for the rest of the session,
 * and an 80-step scripted session runs to its end, with remote compaction and with local
 * checkpoints. When nothing fits, the turn fails with a message that says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Thread } from '../../src/agent/thread.js';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  call,
  type Emulator,
  httpError,
  openAiErrorBody,
  type RecordedRequest,
  respond,
  type Step,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import { clientFor, tempDir, testSettings, threadOn, WIRES, type WireName } from '../support/thread.js';
import { echoTool, type RunLog } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

type Json = Record<string, unknown>;

const STEPS = 80;
const SERVER_WINDOW = 20_000;

/** The local compaction's checkpoint request: its last item asks for the checkpoint (either wire). */
const isCheckpointRequest = (request: RecordedRequest) => {
  const items = (request.body?.input ?? request.body?.messages) as Json[] | undefined;
  return JSON.stringify(items?.at(-1) ?? {}).includes('<compaction_request>');
};

const CHECKPOINT = [
  '## Goal',
  'Run the numbered steps to the end.',
  '## Next step',
  'The next numbered step.',
].join('\n');

/** The scripted model: one command per step (about 300 tokens of output each), then the answer. */
function sessionScript() {
  let step = 0;
  return (request: RecordedRequest): Step => {
    if (isCheckpointRequest(request)) return respond(say(CHECKPOINT));
    step++;
    if (step > STEPS) return respond(say(`All ${STEPS} steps done.`));
    return respond(shellCall(`printf 'step ${step}: '; head -c 1200 /dev/zero | tr '\\0' x`));
  };
}

async function runSession(compact: 'remote' | 'local') {
  emulator = await startEmulator({
    script: sessionScript(),
    contextWindow: SERVER_WINDOW,
    // Local: the provider has no /responses/compact, so Spool writes checkpoints.
    ...(compact === 'local'
      ? {
          compact: [
            httpError(
              404,
              openAiErrorBody('Invalid URL (POST /v1/responses/compact)', 'invalid_request_error', null),
            ),
          ],
        }
      : {}),
  });
  const run = await runSpool(
    [
      'exec',
      '--json',
      '--skip-git-repo-check',
      '-s',
      'danger-full-access',
      '-c',
      'model_context_window=32000',
      '-C',
      tempDir(),
      'Run the numbered steps.',
    ],
    {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: tempDir('spool-home-') },
      timeoutMs: 240_000,
    },
  );
  return run;
}

describe.each(['remote', 'local'] as const)('context overflow (%s compaction)', (compact) => {
  it(`completes an ${STEPS}-step session configured for 32k against a 20k server window`, async () => {
    const run = await runSession(compact);
    const e = emulator!;
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.at(-2)).toMatchObject({
      type: 'item.completed',
      item: { type: 'agent_message', text: `All ${STEPS} steps done.` },
    });
    const commands = events.filter(
      (event) => event.type === 'item.completed' && (event.item as Json).type === 'command_execution',
    );
    expect(commands).toHaveLength(STEPS);
    // Every step's command ran once, in order.
    expect(
      commands.map((event) => String((event.item as Json).aggregated_output).match(/^step (\d+):/)?.[1]),
    ).toEqual(Array.from({ length: STEPS }, (_, i) => String(i + 1)));

    const refusals = e.requests.filter((r) => r.outcome === 'context_length_exceeded');
    expect(refusals.length).toBeGreaterThan(0);
    // A refused request is never sent again as it was.
    for (const refused of refusals) {
      const next = e.requests[refused.seq + 1];
      expect(next?.bodyText).not.toBe(refused.bodyText);
    }
    // The real window is learned: after the first compaction, the rest of the session compacts
    // before the server has to refuse (at most one more refusal, for the estimate's margin).
    expect(refusals.length).toBeLessThanOrEqual(3);
    expect(run.stderr + run.stdout).toMatch(/context window is smaller than configured/);
    const compactions = events.filter(
      (event) => event.type === 'item.completed' && (event.item as Json).type === 'context_compaction',
    );
    expect(compactions.length).toBeGreaterThan(0);
    expect(compactions.every((event) => (event.item as Json).status === 'completed')).toBe(true);
    expect(compactions.some((event) => (event.item as Json).mode === compact)).toBe(true);
    // Nothing the server accepted was over its window, and no request broke the API's rules.
    expect(
      e.requests.filter((r) => r.outcome === 'response').every((r) => r.inputTokens <= SERVER_WINDOW),
    ).toBe(true);
    expect(e.problems).toEqual([]);
    // The task frontier survives: the goal is in every request after the first compaction.
    const after = e.requests.filter((r) => r.outcome === 'response' && !isCheckpointRequest(r)).at(-1)!;
    expect(after.bodyText).toContain('Run the numbered steps.');
  }, 240_000);
});

describe.each(WIRES)('context overflow at thread level (%s)', (wire) => {
  it(`completes an ${STEPS}-step turn configured for 32k against a 20k server window, and keeps the learned window`, async () => {
    let step = 0;
    const script = (request: RecordedRequest): Step => {
      if (isCheckpointRequest(request)) return respond(say(CHECKPOINT));
      step++;
      if (step > STEPS) return respond(say(`All ${STEPS} steps done.`));
      return respond(call('echo', { text: `step ${step}: ${'x'.repeat(1200)}` }));
    };
    emulator = await startEmulator({ script, contextWindow: SERVER_WINDOW });
    const log: RunLog = { runs: [] };
    const { thread, events } = threadOn(
      emulator,
      new ToolRegistry([echoTool(log)]),
      { contextWindow: 32_000, autoCompactTokenLimit: 28_800 },
      { wire },
    );
    const outcome = await thread.runTurn('Run the numbered steps.');
    expect(
      outcome,
      JSON.stringify(events.filter((e) => e.type === 'warning' || e.type === 'turn.failed')),
    ).toMatchObject({ status: 'completed', finalMessage: `All ${STEPS} steps done.` });
    // Every step ran once, in order.
    expect(
      log.runs.map((run) => String((run.args as { text: string }).text).match(/^step (\d+):/)?.[1]),
    ).toEqual(Array.from({ length: STEPS }, (_, i) => String(i + 1)));
    const e = emulator;
    const refusals = e.requests.filter((r) => r.outcome === 'context_length_exceeded');
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.length).toBeLessThanOrEqual(3);
    for (const refused of refusals) expect(e.requests[refused.seq + 1]?.bodyText).not.toBe(refused.bodyText);
    expect(e.problems).toEqual([]);
    expect(thread.settings.contextWindow).toBeLessThan(SERVER_WINDOW * 1.15);
    // Refreshing the settings from the configuration (same model) keeps what the server taught.
    const learned = thread.settings.contextWindow;
    thread.updateSettings({ contextWindow: 32_000, autoCompactTokenLimit: 28_800 });
    expect(thread.settings.contextWindow).toBe(learned);
    expect(thread.settings.autoCompactTokenLimit).toBeLessThan(learned);
    // Another model has its own window: the configured one holds again.
    thread.updateSettings({ model: 'gpt-other', contextWindow: 32_000 });
    expect(thread.settings.contextWindow).toBe(32_000);
  }, 120_000);
});

describe('context overflow: nothing fits', () => {
  it('fails the turn with a message that says the conversation does not fit, without retrying the same request', async () => {
    emulator = await startEmulator({ script: [respond(say('never'))], contextWindow: 500 });
    const run = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'hello'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: tempDir('spool-home-') },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not fit the model's context window/);
    const main = emulator.requests.filter((r) => r.wire === 'responses' && !isCheckpointRequest(r));
    expect(new Set(main.map((r) => r.bodyText)).size).toBe(main.length);
  });
});

describe('context overflow (library): the compaction request itself is too long', () => {
  const emulators: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.close()));
  });

  /** A 30-step history (about 12k tokens) built against a server with no limit. */
  async function bigHistory(wire: WireName) {
    const a = await startEmulator({
      script: [
        ...Array.from({ length: 30 }, (_, i) => respond(call('echo', { text: `${i} ${'x'.repeat(1200)}` }))),
        respond(say('done')),
      ],
    });
    emulators.push(a);
    const { thread } = threadOn(a, new ToolRegistry([echoTool({ runs: [] })]), {}, { wire });
    expect((await thread.runTurn('Port the parser to TypeScript.')).status).toBe('completed');
    return thread.history;
  }

  it.each(WIRES)(
    'over %s: the window is learned from the refusals, the compaction input is fitted again, the turn completes',
    async (wire) => {
      const history = await bigHistory(wire);
      // The checkpoint request (local compaction, Chat) answers first when it comes.
      const script = (request: RecordedRequest): Step =>
        isCheckpointRequest(request) ? respond(say(CHECKPOINT)) : respond(say('continued'));
      const c = await startEmulator({ script, contextWindow: 8_000 });
      emulators.push(c);
      const client = clientFor(wire, c.url);
      const thread = new Thread({
        client,
        settings: testSettings({ contextWindow: 32_000, autoCompactTokenLimit: 28_800 }),
        tools: new ToolRegistry([echoTool({ runs: [] })]),
        history: [...history],
      });
      const events: SpoolEvent[] = [];
      thread.subscribe((event) => events.push(event));
      const outcome = await thread.runTurn('continue');
      expect(
        outcome,
        JSON.stringify(events.filter((e) => e.type === 'warning' || e.type === 'turn.failed')),
      ).toMatchObject({ status: 'completed', finalMessage: 'continued' });
      const refused = c.requests.filter((r) => r.outcome === 'context_length_exceeded');
      expect(refused.length).toBeGreaterThan(0);
      // The compaction request that went through carried the frontier: the goal survived.
      const compacted = c.requests.filter(
        (r) => r.outcome === 'compacted' || (r.outcome === 'response' && isCheckpointRequest(r)),
      );
      expect(compacted).toHaveLength(1);
      expect(compacted[0]!.bodyText).toContain('<task_frontier>');
      expect(compacted[0]!.bodyText).toContain('Port the parser to TypeScript.');
      // The window learned is the server's, or close above it (a refusal without a size only bounds it).
      expect(thread.settings.contextWindow).toBeLessThanOrEqual(9_200);
      expect(c.problems).toEqual([]);
    },
  );
});
