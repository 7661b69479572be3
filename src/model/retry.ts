/**
 * Retry policy: which failures are retried, and after how long. Pure functions.
 *
 * Exponential backoff with jitter (≈200 ms × 2^n, ±10 %), bounded; a delay the server asked for
 * (Retry-After, "Please try again in 1.5s") wins over the computed one.
 */

interface RetryPolicy {
  /** Retries of one request after a failed attempt (not counting the first attempt). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay added or removed at random (0.1 = ±10 %). */
  jitter: number;
}

/** Delay before retry number `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  serverDelayMs?: number,
  random: () => number = Math.random,
): number {
  if (serverDelayMs !== undefined && serverDelayMs >= 0) return Math.min(serverDelayMs, 5 * 60_000);
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(exponential, policy.maxDelayMs);
  const jitter = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(capped * jitter));
}

/**
 * Reads a server-suggested delay from response headers (`retry-after-ms`, `retry-after` in seconds or
 * as an HTTP date) or from an error message ("try again in 1.5s" / "in 250ms").
 */
export function parseServerDelayMs(
  headers: { get(name: string): string | null } | undefined,
  message: string | undefined,
  now: () => number = Date.now,
): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const after = headers?.get('retry-after')?.trim();
  if (after) {
    if (/^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - now());
  }
  if (message) {
    const match = /try again in\s+(\d+(?:\.\d+)?)\s*(ms|s|seconds?)\b/i.exec(message);
    if (match) {
      const value = Number(match[1]);
      return Math.round(match[2]?.toLowerCase() === 'ms' ? value : value * 1000);
    }
  }
  return undefined;
}

/** Sleeps `ms`, resolving early (with false) if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
