/**
 * One streamed attempt, shared by both wire clients: open the stream, translate each raw event,
 * watch for idleness, and turn every way it can end into exactly one terminal event — never a throw.
 */

import type { HttpEndpoint } from './endpoint.js';
import { classifyException } from './errors.js';
import type { ModelError, ModelEvent } from './types.js';

export interface IdleWatch {
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
export function idleWatch(signal: AbortSignal, idleMs: number): IdleWatch {
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

export interface AttemptStreamOptions {
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
  try {
    let events: AsyncIterable<unknown>;
    try {
      events = await options.open(idle.signal);
    } catch (err) {
      yield failure(err, 'request');
      return;
    }
    try {
      for await (const raw of events) {
        idle.touch();
        for (const event of options.push(raw)) yield event;
        if (options.finished()) return;
      }
    } catch (err) {
      yield failure(err, 'stream');
      return;
    }
    const stopped = idle.stopReason(endpoint.idleTimeoutMs);
    if (stopped) {
      yield { type: 'failed', error: stopped };
      return;
    }
    for (const event of options.end()) yield event;
  } finally {
    idle.dispose();
  }
}
