/** The default retry policy of a turn (`request_max_retries`, `stream_max_retries` override it). */
import type { TurnRetryPolicy } from '../protocol/settings.js';

export const DEFAULT_TURN_RETRY: Readonly<TurnRetryPolicy> = Object.freeze({
  requestMaxRetries: 4,
  streamMaxRetries: 5,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  jitter: 0.1,
});
