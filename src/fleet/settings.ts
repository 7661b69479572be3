/**
 * The fleet's settings, resolved from `[queue]` in Spool's configuration layers (file, profile,
 * `-c`) and `SPOOL_REDIS_URL`. A configured `queue.redis_url` wins over the variable, as configured
 * provider URLs win over `OPENAI_BASE_URL`.
 */
import path from 'node:path';
import type { EffectiveConfig } from '../config/runtime.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ProviderRateLimit {
  /** Requests allowed per window, fleet-wide. */
  max: number;
  windowMs: number;
}

export interface QueueSettings {
  redisUrl: string;
  /** Where the URL came from, for messages. */
  redisUrlSource: string;
  name: string;
  prefix: string;
  workDir: string;
  resultsDir: string;
  /** Shared storage for checkpoints; undefined: they are kept in Redis. */
  checkpointDir: string | undefined;
  attempts: number;
  backoffMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownGraceMs: number;
  rateLimits: Record<string, ProviderRateLimit>;
}

/** `requests_per_minute` over a window of `window_ms`: at least one request per window. */
export function windowCap(requestsPerMinute: number, windowMs: number): number {
  return Math.max(1, Math.floor((requestsPerMinute * windowMs) / 60_000));
}

export function queueSettings(effective: EffectiveConfig, env: NodeJS.ProcessEnv): QueueSettings {
  const q = effective.config.queue ?? {};
  const fromEnv = env.SPOOL_REDIS_URL?.trim();
  const [redisUrl, redisUrlSource] = q.redis_url
    ? [q.redis_url, effective.sources.get('queue.redis_url') ?? 'config']
    : fromEnv
      ? [fromEnv, 'SPOOL_REDIS_URL']
      : [DEFAULT_REDIS_URL, 'default'];
  const rateLimits: Record<string, ProviderRateLimit> = {};
  for (const [provider, limit] of Object.entries(q.rate_limits ?? {})) {
    if (limit.requests_per_minute === undefined) continue;
    const windowMs = limit.window_ms ?? 60_000;
    rateLimits[provider] = { max: windowCap(limit.requests_per_minute, windowMs), windowMs };
  }
  const fleetDir = path.join(effective.home, 'fleet');
  return {
    redisUrl,
    redisUrlSource,
    name: q.name ?? 'spool',
    prefix: q.prefix ?? 'spool',
    workDir: path.resolve(q.work_dir ?? path.join(fleetDir, 'work')),
    resultsDir: path.resolve(q.results_dir ?? path.join(fleetDir, 'results')),
    checkpointDir: q.checkpoint_dir ? path.resolve(q.checkpoint_dir) : undefined,
    attempts: q.attempts ?? 3,
    backoffMs: q.backoff_ms ?? 10_000,
    lockDurationMs: q.lock_duration_ms ?? 30_000,
    stalledIntervalMs: q.stalled_interval_ms ?? 30_000,
    shutdownGraceMs: q.shutdown_grace_ms ?? 60_000,
    rateLimits,
  };
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch (err) {
    if (err instanceof TypeError) return '(not a URL)';
    throw err;
  }
}
