/**
 * A job's checkpoint in Redis: the session's rollout as it is written, the worktree's changes, and
 * the result once there is one — so a job whose worker died resumes its session on another worker.
 *
 * Every write is fenced by the run that owns the job: a run takes ownership when it starts
 * (`claim`), and a write whose token is no longer the owner's is refused. A run that lost the job
 * (its worker was presumed dead and another took over) can therefore never append to, or rewind,
 * the session its successor continues. Rollout appends are also checked against the byte offset
 * they continue from, so a chunk is never stored twice or out of order.
 */
import type { Redis } from 'ioredis';
import { type JobResult, JobResult as JobResultSchema } from './job.js';
import type { FleetKeys } from './keys.js';

export class FencedError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} was taken over by another run; this run must stop`);
  }
}

export interface CheckpointState {
  /** The commit the job's worktree was made from. */
  base?: string;
  sessionId?: string;
  /** The rollout's path under the session's Spool home (`sessions/…/rollout-….jsonl`). */
  rolloutPath?: string;
  /** Bytes of the rollout stored. */
  bytes: number;
  /** The worktree's changes against `base` (a binary git diff), as of `patchBytes` of the rollout. */
  patch?: string;
  patchBytes?: number;
  result?: JobResult;
  /** Runs started so far (this one included, after `claim`). */
  runs: number;
  /** Runs that resumed a checkpointed session. */
  resumedRuns: number;
}

// KEYS[1] = checkpoint hash. ARGV[1] = token. Then field/value pairs to set.
const FENCED_HSET = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

// KEYS[1] = checkpoint hash, KEYS[2] = rollout list. ARGV = token, from offset, chunk, new offset.
const FENCED_APPEND = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
if bytes ~= tonumber(ARGV[2]) then return -1 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'bytes', ARGV[4])
return 1`;

// KEYS[1] = checkpoint hash, KEYS[2] = rollout list. ARGV[1] = token. Drops the session (a restart).
const FENCED_RESET = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'session_id', 'rollout_path', 'patch', 'patch_bytes', 'base')
redis.call('HSET', KEYS[1], 'bytes', '0')
redis.call('DEL', KEYS[2])
return 1`;

export class CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
  ) {}

  /** Makes `token` the job's owner (fencing out earlier runs) and returns what is checkpointed. */
  async claim(jobId: string, token: string): Promise<CheckpointState> {
    const key = this.keys.checkpoint(jobId);
    await this.redis.multi().hset(key, 'owner', token).hincrby(key, 'runs', 1).exec();
    return this.read(jobId);
  }

  /** Counts this run as one that resumed the checkpointed session. */
  async noteResumed(jobId: string, token: string): Promise<void> {
    const ok = await this.redis.eval(
      `if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'resumed_runs', 1)
return 1`,
      1,
      this.keys.checkpoint(jobId),
      token,
    );
    if (ok !== 1) throw new FencedError(jobId);
  }

  async read(jobId: string): Promise<CheckpointState> {
    const fields = await this.redis.hgetall(this.keys.checkpoint(jobId));
    const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    return {
      ...(fields.base ? { base: fields.base } : {}),
      ...(fields.session_id ? { sessionId: fields.session_id } : {}),
      ...(fields.rollout_path ? { rolloutPath: fields.rollout_path } : {}),
      bytes: number(fields.bytes) ?? 0,
      ...(fields.patch !== undefined ? { patch: fields.patch } : {}),
      ...(fields.patch_bytes !== undefined ? { patchBytes: Number(fields.patch_bytes) } : {}),
      ...(fields.result ? { result: JobResultSchema.parse(JSON.parse(fields.result)) } : {}),
      runs: number(fields.runs) ?? 0,
      resumedRuns: number(fields.resumed_runs) ?? 0,
    };
  }

  /** The stored rollout text (complete lines). */
  async rollout(jobId: string): Promise<string> {
    const chunks = await this.redis.lrange(this.keys.rollout(jobId), 0, -1);
    return chunks.join('');
  }

  private async fencedSet(jobId: string, token: string, fields: Record<string, string>): Promise<void> {
    const args = Object.entries(fields).flat();
    const ok = await this.redis.eval(FENCED_HSET, 1, this.keys.checkpoint(jobId), token, ...args);
    if (ok !== 1) throw new FencedError(jobId);
  }

  setBase(jobId: string, token: string, base: string): Promise<void> {
    return this.fencedSet(jobId, token, { base });
  }

  setSession(jobId: string, token: string, sessionId: string, rolloutPath: string): Promise<void> {
    return this.fencedSet(jobId, token, { session_id: sessionId, rollout_path: rolloutPath });
  }

  /** Appends complete lines read from `from` to `to` of the rollout. Throws FencedError when taken over. */
  async append(jobId: string, token: string, from: number, chunk: string, to: number): Promise<void> {
    const done = await this.redis.eval(
      FENCED_APPEND,
      2,
      this.keys.checkpoint(jobId),
      this.keys.rollout(jobId),
      token,
      String(from),
      chunk,
      String(to),
    );
    if (done === 0) throw new FencedError(jobId);
    if (done === -1) throw new Error(`job ${jobId}: the checkpointed rollout does not end at byte ${from}`);
  }

  saveSnapshot(jobId: string, token: string, patch: string, atBytes: number): Promise<void> {
    return this.fencedSet(jobId, token, { patch, patch_bytes: String(atBytes) });
  }

  saveResult(jobId: string, token: string, result: JobResult): Promise<void> {
    return this.fencedSet(jobId, token, { result: JSON.stringify(result) });
  }

  /** Forgets the session (a job that cannot be resumed starts over in a fresh worktree). */
  async reset(jobId: string, token: string): Promise<void> {
    const ok = await this.redis.eval(
      FENCED_RESET,
      2,
      this.keys.checkpoint(jobId),
      this.keys.rollout(jobId),
      token,
    );
    if (ok !== 1) throw new FencedError(jobId);
  }

  /** Lets a finished job's checkpoint expire (the result is kept under its own key). */
  async expire(jobId: string, seconds: number): Promise<void> {
    await this.redis
      .multi()
      .expire(this.keys.checkpoint(jobId), seconds)
      .expire(this.keys.rollout(jobId), seconds)
      .exec();
  }
}
