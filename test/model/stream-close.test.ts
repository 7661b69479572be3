/**
 * A consumer that stops reading a stream early (its signal aborted, or it has what it needs) closes
 * it: the attempt ends there, with no failure event made of the aborted body's close and no idle
 * timer left behind (a process that stopped a turn must be able to exit).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { clientFor, WIRES } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe.each(WIRES)('closing a stream early (%s)', (wire) => {
  it('after an abort, closing ends the attempt at once', async () => {
    emulator = await startEmulator({
      script: [respond(say('a slow answer in many parts '.repeat(20)), { eventDelayMs: 50 })],
    });
    const controller = new AbortController();
    const stream = clientFor(wire, emulator.url, 60_000).stream(
      {
        model: 'gpt-5',
        instructions: 'x',
        input: [],
        tools: [],
        parallelToolCalls: false,
        promptCacheKey: 'k',
      },
      controller.signal,
    );
    const events = stream[Symbol.asyncIterator]();
    expect((await events.next()).done).toBe(false);
    controller.abort();
    expect(await events.return!(undefined)).toEqual({ done: true, value: undefined });
    expect((await events.next()).done).toBe(true);
  });
});
