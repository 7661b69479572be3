/**
 * Fleet-wide limits on model requests, kept in Redis so every worker on every machine sees them:
 *
 * - a requests-per-window cap per provider (a sliding window: the last N requests' times);
 * - a pause per provider, set when the provider answers 429 with a delay (Retry-After): every
 *   worker's next request to it waits until the pause ends, not just the one that saw the 429.
 *
 * Times come from the Redis server's clock (`TIME`), so machines' clocks need not agree.
 */
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.js';
import type { ProviderRateLimit } from './settings.js';

// KEYS: window zset, pause key. ARGV: max (0 = no cap), window ms, member. Returns ms to wait (0 = go).
const ACQUIRE = `
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause end
local max = tonumber(ARGV[1])
if max <= 0 then return 0 end
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)`;

// KEYS: pause key. ARGV: ms. Extends the pause, never shortens it.
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 1
end
return 0`;

export class FleetRateLimiter {
  private counter = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly limits: Record<string, ProviderRateLimit>,
    private readonly owner: string,
  ) {}

  /** Milliseconds to wait before a request to `provider` may go (0: it is counted and may go now). */
  async tryAcquire(provider: string): Promise<number> {
    const limit = this.limits[provider];
    this.counter += 1;
    const waitMs = await this.redis.eval(
      ACQUIRE,
      2,
      this.keys.providerWindow(provider),
      this.keys.providerPause(provider),
      String(limit?.max ?? 0),
      String(limit?.windowMs ?? 0),
      `${this.owner}:${this.counter}`,
    );
    return Number(waitMs);
  }

  /** Pauses every worker's requests to `provider` for `ms`. Returns whether this extended the pause. */
  async pause(provider: string, ms: number): Promise<boolean> {
    const extended = await this.redis.eval(
      PAUSE,
      1,
      this.keys.providerPause(provider),
      String(Math.ceil(ms)),
    );
    return extended === 1;
  }
}
