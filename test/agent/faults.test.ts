import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  call,
  type Emulator,
  quotaExceeded429,
  rateLimit429,
  rateLimitMessage429,
  respond,
  say,
  serverError500,
  startEmulator,
  unauthorized401,
} from '../emulator/index.js';
import { threadOn as threadOnWire, WIRES, type WireName } from '../support/thread.js';
import { echoTool, type RunLog, writeTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function retries(events: SpoolEvent[]) {
  return events.filter(
    (e): e is Extract<SpoolEvent, { type: 'stream.retrying' }> => e.type === 'stream.retrying',
  );
}

function registry(log: RunLog) {
  return new ToolRegistry([echoTool(log), writeTool(log)]);
}

/** Events of a response with one `write_marker {"name":"a"}` call, up to and including its output_item.done. */
const EVENTS_THROUGH_CALL = 6;

describe.each(WIRES)('retries and faults over the %s wire', (wire: WireName) => {
  const threadOn = (
    e: Emulator,
    tools: ToolRegistry,
    settings = {},
    endpoint: { idleTimeoutMs?: number } = {},
  ) => threadOnWire(e, tools, settings, { ...endpoint, wire });

  it('retries a 500 and shows the retry', async () => {
    emulator = await startEmulator({ script: [serverError500(), respond(say('ok'))] });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'ok' });
    expect(emulator.requests).toHaveLength(2);
    const [retry] = retries(events);
    expect(retry).toMatchObject({ attempt: 1, max_attempts: 4 });
    expect(retry!.message).toMatch(
      /^Reconnecting\.\.\. 1\/4 \(Server error \(HTTP 500\): The server had an error/,
    );
  });

  it("honours a 429's Retry-After header", async () => {
    emulator = await startEmulator({ script: [rateLimit429(1), respond(say('ok'))] });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    expect((await thread.runTurn('hi')).status).toBe('completed');
    expect(retries(events)[0]!.delay_ms).toBe(1000);
  });

  it('honours "try again in 1.5s" in a 429 body without a header', async () => {
    emulator = await startEmulator({ script: [rateLimitMessage429(0.3), respond(say('ok'))] });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    expect((await thread.runTurn('hi')).status).toBe('completed');
    expect(retries(events)[0]!.delay_ms).toBe(300);
  });

  it('fails fast with a message naming the key variable on 401', async () => {
    emulator = await startEmulator({ script: [unauthorized401(), respond(say('never'))] });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    const outcome = await thread.runTurn('hi');
    expect(outcome.status).toBe('failed');
    expect(emulator.requests).toHaveLength(1);
    const failed = events.find((e) => e.type === 'turn.failed');
    expect(failed).toMatchObject({ error: { kind: 'auth' } });
    expect(failed && 'error' in failed && failed.error.message).toMatch(
      /rejected the API key \(HTTP 401\).*Check OPENAI_API_KEY\./,
    );
  });

  it('does not retry insufficient_quota', async () => {
    emulator = await startEmulator({ script: [quotaExceeded429(), respond(say('never'))] });
    const { thread } = threadOn(emulator, registry({ runs: [] }));
    const outcome = await thread.runTurn('hi');
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'quota' } });
    expect(emulator.requests).toHaveLength(1);
  });

  it('gives up after the configured number of retries', async () => {
    emulator = await startEmulator({
      script: [serverError500(), serverError500(), serverError500(), respond(say('late'))],
    });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }), {
      retry: { requestMaxRetries: 2, streamMaxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, jitter: 0 },
    });
    const outcome = await thread.runTurn('hi');
    expect(outcome.status).toBe('failed');
    expect(emulator.requests).toHaveLength(3);
    expect(retries(events).map((r) => r.message.slice(0, 18))).toEqual([
      'Reconnecting... 1/',
      'Reconnecting... 2/',
    ]);
  });

  it('re-issues the same request when the stream closes before any tool call', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('partial answer that never completes'), { fault: { kind: 'close', afterEvents: 4 } }),
        respond(say('ok')),
      ],
    });
    const { thread } = threadOn(emulator, registry({ runs: [] }));
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'ok' });
    expect(emulator.requests[1]!.bodyText).toBe(emulator.requests[0]!.bodyText);
    // The partial message is not in history.
    expect(JSON.stringify(thread.history)).not.toContain('partial answer');
  });

  it('times out a stalled stream and retries', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('never finishes'), { fault: { kind: 'stall', afterEvents: 3 } }),
        respond(say('ok')),
      ],
    });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }), {}, { idleTimeoutMs: 150 });
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'ok' });
    expect(retries(events)[0]!.message).toMatch(/idle timeout/);
  });

  it('retries after a malformed event', async () => {
    emulator = await startEmulator({
      script: [respond(say('x'), { fault: { kind: 'malformed', afterEvents: 2 } }), respond(say('ok'))],
    });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'ok' });
    expect(retries(events)[0]!.message).toMatch(/Malformed event/);
  });

  it('retries an in-stream server error event; context_length_exceeded is compacted once, not retried', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('x'), {
          fault: { kind: 'error_event', afterEvents: 2, code: 'server_error', message: 'boom' },
        }),
        respond(say('ok')),
      ],
    });
    const first = threadOn(emulator, registry({ runs: [] }));
    expect((await first.thread.runTurn('hi')).status).toBe('completed');
    await emulator.close();

    const overflow = respond(say('x'), {
      terminal: { type: 'failed', code: 'context_length_exceeded', message: 'too long' },
    });
    emulator = await startEmulator({
      // The overflow, the local checkpoint request, the retry that overflows again.
      script: [overflow, respond(say('## Goal\nsay hi')), overflow, respond(say('never'))],
    });
    const second = threadOn(emulator, registry({ runs: [] }), { compaction: 'local' });
    expect(await second.thread.runTurn('hi')).toMatchObject({
      status: 'failed',
      error: { kind: 'context_length_exceeded' },
    });
    expect(emulator.requests).toHaveLength(3);
    expect(
      second.events.some((e) => e.type === 'item.completed' && e.item.type === 'context_compaction'),
    ).toBe(true);
  });

  it('ends the turn on response.incomplete with the reason', async () => {
    emulator = await startEmulator({
      script: [respond(say('cut'), { terminal: { type: 'incomplete', reason: 'max_output_tokens' } })],
    });
    const { thread } = threadOn(emulator, registry({ runs: [] }));
    const outcome = await thread.runTurn('hi');
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.status === 'failed' && outcome.error.message).toBe(
      'Incomplete response returned, reason: max_output_tokens',
    );
  });

  it('reports a refused connection as a network failure after retries', async () => {
    emulator = await startEmulator({ script: [] });
    const url = emulator.url;
    await emulator.close();
    emulator = undefined;
    const fake = { url, requests: [] } as unknown as Emulator;

    const { thread, events } = threadOn(fake, registry({ runs: [] }), {
      retry: { requestMaxRetries: 1, streamMaxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 },
    });
    const outcome = await thread.runTurn('hi');
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'network' } });
    expect(retries(events)[0]!.message).toMatch(/^Reconnecting\.\.\. 1\/1 \(Connection failed/);
  });
});

describe('at most once, Responses wire (tools start while the stream is open)', () => {
  for (const kind of ['close', 'end'] as const) {
    it(`never runs a tool twice when the stream ${kind}s after the call arrived`, async () => {
      const log: RunLog = { runs: [] };
      emulator = await startEmulator({
        script: [
          respond(call('write_marker', { name: 'a' }), { fault: { kind, afterEvents: EVENTS_THROUGH_CALL } }),
          respond(say('done')),
        ],
      });
      const { thread, events } = threadOnWire(emulator, registry(log));
      expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'done' });
      expect(log.runs).toHaveLength(1);
      expect(retries(events)).toHaveLength(1);
      // The continuation carries the call and its output, so the model moves on.
      const input = emulator.requests[1]!.body!.input as Array<Record<string, unknown>>;
      expect(input.slice(-2)).toMatchObject([
        { type: 'function_call', name: 'write_marker' },
        { type: 'function_call_output', output: 'wrote a' },
      ]);
      expect(emulator.problems).toEqual([]);
    });
  }
});

describe('at most once, Chat wire (tools start when the choice finishes)', () => {
  it('re-samples a call whose stream broke before it finished, and runs it once', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [
        respond(call('write_marker', { name: 'a' }), { fault: { kind: 'close', afterEvents: 3 } }),
        respond(call('write_marker', { name: 'a' })),
        respond(say('done')),
      ],
    });
    const { thread } = threadOnWire(emulator, registry(log), {}, { wire: 'chat' });
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'done' });
    expect(log.runs).toHaveLength(1);
    expect(emulator.requests[1]!.bodyText).toBe(emulator.requests[0]!.bodyText);
  });
});

describe.each(WIRES)('interrupts over the %s wire', (wire: WireName) => {
  const threadOn = (e: Emulator, tools: ToolRegistry) => threadOnWire(e, tools, {}, { wire });

  it('aborts running tools, records "aborted" for unanswered calls, and leaves a usable history', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [
        respond(call('echo', { text: 'quick' }), call('echo', { text: 'slow', delay_ms: 5_000 })),
        respond(say('after interrupt')),
      ],
    });
    const { thread, events } = threadOn(emulator, registry(log));
    const turn = thread.runTurn('go');
    await waitFor(() => log.runs.length === 2);
    thread.interrupt();
    const outcome = await turn;
    expect(outcome.status).toBe('interrupted');
    expect(events.at(-1)?.type).toBe('turn.interrupted');
    const outputs = thread.history.filter((i) => i.type === 'function_call_output').map((i) => i.output);
    expect(outputs).toEqual(['echo: quick', 'aborted']);

    // The next turn sends a well-formed history (the emulator checks call/output pairing).
    expect(await thread.runTurn('continue')).toMatchObject({
      status: 'completed',
      finalMessage: 'after interrupt',
    });
    expect(emulator.problems).toEqual([]);

    // … and tells the model the user stopped the last turn: the cut-short call answers "aborted",
    // then a <turn_aborted> notice, then the new prompt.
    const sent = JSON.stringify(emulator.requests.at(-1)!.body);
    const aborted = sent.indexOf('"aborted"');
    const notice = sent.indexOf('<turn_aborted>');
    const prompt = sent.lastIndexOf('continue');
    expect(aborted).toBeGreaterThan(-1);
    expect(notice).toBeGreaterThan(aborted);
    expect(prompt).toBeGreaterThan(notice);
    expect(sent).toContain('stopped the previous turn');
  });

  it('tells the model about an interrupt that came before any tool ran', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('a long answer that streams slowly, chunk by chunk'), { eventDelayMs: 40 }),
        respond(say('ok')),
      ],
    });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    const turn = thread.runTurn('go');
    await waitFor(() => events.some((e) => e.type === 'item.delta'));
    thread.interrupt();
    expect((await turn).status).toBe('interrupted');
    await thread.runTurn('next');
    const sent = JSON.stringify(emulator.requests.at(-1)!.body);
    expect(sent.indexOf('<turn_aborted>')).toBeGreaterThan(sent.indexOf('"go"'));
    expect(sent.indexOf('"next"')).toBeGreaterThan(sent.indexOf('<turn_aborted>'));
  });

  it('drops a half-streamed message when interrupted mid-stream', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('a long answer that streams slowly, chunk by chunk, forever'), { eventDelayMs: 40 }),
      ],
    });
    const { thread, events } = threadOn(emulator, registry({ runs: [] }));
    const turn = thread.runTurn('go');
    await waitFor(() => events.some((e) => e.type === 'item.delta'));
    thread.interrupt();
    expect((await turn).status).toBe('interrupted');
    // Nothing of the half-streamed message: the prompt, then the interrupt notice.
    expect(thread.history.filter((item) => item.type === 'message' && item.role === 'assistant')).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
