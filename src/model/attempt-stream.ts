/**
 * One streamed attempt, shared by both wire clients: open the stream, translate each raw event,
 * watch for idleness, and turn every way it can end into exactly one terminal event — never a throw.
 */

import type { HttpEndpoint } from './endpoint.js';
import { classifyException } from './errors.js';
import type { ModelError, ModelEvent } from './types.js';

interface IdleWatch {
  /** Aborts with the caller's signal, or when `touch()` was not called for the idle time. */
  signal: AbortSignal;
  touch(): void;
  /** Why the attempt stopped when the transport gave no error of its own. */
  stopReason(idleMsForMessage: number): ModelError | undefined;
  dispose(): void;
}

/**
 * Runs an attempt under an idle timer: the returned signal aborts when the caller's signal does or
 * when `touch()` has not been called for `idleMs`.
 */
function idleWatch(signal: AbortSignal, idleMs: number): IdleWatch {
  const controller = new AbortController();
  let idleFired = false;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idleFired = true;
      controller.abort();
    }, idleMs);
  };
  touch();
  return {
    signal: controller.signal,
    touch,
    stopReason(idleMsForMessage: number): ModelError | undefined {
      if (signal.aborted) return { kind: 'aborted', message: 'Request aborted', retryable: false };
      if (idleFired) {
        return {
          kind: 'idle_timeout',
          message: `No event from the model server for ${Math.round(idleMsForMessage / 1000)} s (idle timeout)`,
          retryable: true,
        };
      }
      return undefined;
    },
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

interface AttemptStreamOptions {
  signal: AbortSignal;
  endpoint: HttpEndpoint;
  /** Sends the request; resolves when the response headers arrived. */
  open(signal: AbortSignal): Promise<AsyncIterable<unknown>>;
  /** Translates one raw event (SSE data / chunk). */
  push(raw: unknown): ModelEvent[];
  /** True once a terminal event was produced. */
  finished(): boolean;
  /** What a stream that ended on its own (no error, not finished) means. */
  end(): ModelEvent[];
}

export async function* streamAttempt(options: AttemptStreamOptions): AsyncGenerator<ModelEvent> {
  const { endpoint } = options;
  const idle = idleWatch(options.signal, endpoint.idleTimeoutMs);
  const failure = (err: unknown, phase: 'request' | 'stream'): ModelEvent => ({
    type: 'failed',
    error: idle.stopReason(endpoint.idleTimeoutMs) ?? classifyException(err, endpoint.errorContext, phase),
  });
  /** The raw events, while they are being read (closed in `finally` when left early). */
  let reading: AsyncIterator<unknown> | undefined;
  try {
    try {
      reading = (await options.open(idle.signal))[Symbol.asyncIterator]();
    } catch (err) {
      yield failure(err, 'request');
      return;
    }
    for (;;) {
      // Only reading and translating are guarded: a consumer that stops at a `yield` below must
      // reach `finally` (a `yield` inside this `try` could be turned into a failure by the close).
      let events: ModelEvent[];
      try {
        const next = await reading.next();
        if (next.done) {
          reading = undefined;
          break;
        }
        idle.touch();
        events = options.push(next.value);
      } catch (err) {
        reading = undefined;
        yield failure(err, 'stream');
        return;
      }
      for (const event of events) yield event;
      if (options.finished()) return;
    }
    const stopped = idle.stopReason(endpoint.idleTimeoutMs);
    if (stopped) {
      yield { type: 'failed', error: stopped };
      return;
    }
    for (const event of options.end()) yield event;
  } finally {
    idle.dispose();
    if (reading) await stopReading(reading);
  }
}

/**
 * Stops reading a stream the attempt is done with (its terminal event came, or the consumer left).
 * Closing an aborted response body rejects (AbortError), and a broken connection may too; the
 * attempt's outcome is already decided, so the rejection is this promise's value, not a throw.
 */
function stopReading(reading: AsyncIterator<unknown>): Promise<unknown> {
  return Promise.resolve(reading.return?.()).then(
    () => undefined,
    (err: unknown) => err,
  );
}
