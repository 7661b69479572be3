/**
 * A job's checkpoint in Redis: the session's rollout as it is written, the worktree's changes, and
 * the result once there is one — so a job whose worker died resumes its session on another worker.
 *
 * Every write is fenced by the run that owns the job: a run takes ownership when it starts
 * (`claim`), and a write whose token is no longer the owner's is refused. A run that lost the job
 * (its worker was presumed dead and another took over) can therefore never append to, or rewind,
 * the session its successor continues. Rollout appends are also checked against the byte offset
 * they continue from, so a chunk is never stored twice or out of order.
 *
 * Where the rollout and the worktree snapshots live: in Redis (a list and a hash field), or — with a
 * checkpoint directory on storage every worker shares — in files of that directory, which Redis
 * points at (checkpoint-files.ts). A run continues whichever the job has, and moves it to its own
 * kind of storage on its first write, so workers configured either way can resume each other's jobs.
 */
import type { Redis } from 'ioredis';
import {
  checkpointFile,
  jobFilesDir,
  patchFileOf,
  readPrefix,
  readWhole,
  removeAll,
  removeCheckpointFiles,
  rolloutFileOf,
  writeAt,
  writeWhole,
} from './checkpoint-files.js';
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

// The rollout appends below answer 1 (done), 0 (fenced out), -1 (the stored rollout does not end
// at the given offset) or -2 (the stored rollout is not where this append would add to it).
const APPEND_CHECKS = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
if bytes ~= tonumber(ARGV[2]) then return -1 end
local file = redis.call('HGET', KEYS[1], 'rollout_file') or ''`;

// KEYS[1] = checkpoint hash, KEYS[2] = rollout list. ARGV = token, from offset, chunk, new offset.
const FENCED_APPEND = `${APPEND_CHECKS}
if file ~= '' then return -2 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'bytes', ARGV[4])
return 1`;

// The rollout's bytes up to ARGV[4] are in the file ARGV[3], already written and synced.
// KEYS[1] = checkpoint hash. ARGV = token, from offset, file, new offset.
const FENCED_FILE_APPEND = `${APPEND_CHECKS}
if file ~= ARGV[3] then return -2 end
redis.call('HSET', KEYS[1], 'bytes', ARGV[4])
return 1`;

// Moves the rollout: into the file ARGV[3] (written and synced), or with ARGV[3] = '' into the
// list as the one chunk ARGV[5]. KEYS[1] = checkpoint hash, KEYS[2] = rollout list.
// ARGV = token, from offset, file, new offset, chunk.
const FENCED_MOVE = `${APPEND_CHECKS}
redis.call('DEL', KEYS[2])
if ARGV[3] == '' then redis.call('RPUSH', KEYS[2], ARGV[5]) end
redis.call('HSET', KEYS[1], 'rollout_file', ARGV[3], 'bytes', ARGV[4])
return 1`;

// KEYS[1] = checkpoint hash, KEYS[2] = rollout list. ARGV[1] = token. Drops the session (a restart).
const FENCED_RESET = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'session_id', 'rollout_path', 'rollout_file', 'patch', 'patch_file', 'patch_bytes', 'base')
redis.call('HSET', KEYS[1], 'bytes', '0')
redis.call('DEL', KEYS[2])
return 1`;

export class CheckpointStore {
  /** Numbers this store's snapshot files (a new file per snapshot). */
  private patchSerial = 0;

  /**
   * @param dir the shared checkpoint directory (`queue.checkpoint_dir`); without it, rollouts and
   *   snapshots are kept in Redis.
   */
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly dir?: string,
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
      ...(fields.patch_file
        ? { patch: readWhole(checkpointFile(jobId, fields.patch_file)) }
        : fields.patch !== undefined
          ? { patch: fields.patch }
          : {}),
      ...(fields.patch_bytes !== undefined ? { patchBytes: Number(fields.patch_bytes) } : {}),
      ...(fields.result ? { result: JobResultSchema.parse(JSON.parse(fields.result)) } : {}),
      runs: number(fields.runs) ?? 0,
      resumedRuns: number(fields.resumed_runs) ?? 0,
    };
  }

  /** The stored rollout text (complete lines). */
  async rollout(jobId: string): Promise<string> {
    return (await this.storedRollout(jobId)).data.toString('utf8');
  }

  /** The stored rollout, from wherever it is kept (`file`, or Redis); checked against its length. */
  private async storedRollout(
    jobId: string,
    expectBytes?: number,
  ): Promise<{ data: Buffer; file: string | undefined }> {
    const [bytesField, file] = await this.redis.hmget(this.keys.checkpoint(jobId), 'bytes', 'rollout_file');
    const bytes = Number(bytesField ?? '0');
    if (expectBytes !== undefined && bytes !== expectBytes)
      throw new Error(`job ${jobId}: the checkpointed rollout does not end at byte ${expectBytes}`);
    if (file) return { data: readPrefix(checkpointFile(jobId, file), bytes), file };
    const stored = Buffer.from((await this.redis.lrange(this.keys.rollout(jobId), 0, -1)).join(''), 'utf8');
    if (stored.length !== bytes)
      throw new Error(`job ${jobId}: the checkpointed rollout holds ${stored.length} bytes, not ${bytes}`);
    return { data: stored, file: undefined };
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
    const hash = this.keys.checkpoint(jobId);
    const list = this.keys.rollout(jobId);
    if (this.dir) {
      const own = rolloutFileOf(this.dir, jobId, token);
      // This run's own file (no other run writes it): add the chunk, then count its bytes.
      if (from > 0 && (await this.redis.hget(hash, 'rollout_file')) === own) {
        writeAt(own, from, chunk);
        const done = await this.redis.eval(FENCED_FILE_APPEND, 1, hash, token, String(from), own, String(to));
        if (done !== -2) return this.appended(jobId, from, done);
      }
      // The first write of this run: the stored rollout and the chunk go into a file of its own.
      const stored = await this.storedRollout(jobId, from);
      writeWhole(own, Buffer.concat([stored.data, Buffer.from(chunk, 'utf8')]));
      const done = await this.redis.eval(
        FENCED_MOVE,
        2,
        hash,
        list,
        token,
        String(from),
        own,
        String(to),
        '',
      );
      this.appended(jobId, from, done);
      // The earlier run's file is no longer read (a run still writing it has lost the job).
      if (stored.file !== own) removeCheckpointFiles(jobId, [stored.file]);
      return;
    }
    const done = await this.redis.eval(FENCED_APPEND, 2, hash, list, token, String(from), chunk, String(to));
    if (done !== -2) return this.appended(jobId, from, done);
    // The rollout is in a checkpoint file (a worker with a checkpoint directory ran the job before).
    const stored = await this.storedRollout(jobId, from);
    const whole = Buffer.concat([stored.data, Buffer.from(chunk, 'utf8')]);
    const moved = await this.redis.eval(
      FENCED_MOVE,
      2,
      hash,
      list,
      token,
      String(from),
      '',
      String(to),
      whole.toString('utf8'),
    );
    this.appended(jobId, from, moved);
    removeCheckpointFiles(jobId, [stored.file]);
  }

  private appended(jobId: string, from: number, done: unknown): void {
    if (done === 0) throw new FencedError(jobId);
    if (done !== 1) throw new Error(`job ${jobId}: the checkpointed rollout does not end at byte ${from}`);
  }

  /** Stores the worktree's changes as of `atBytes` of the rollout, replacing the previous snapshot. */
  async saveSnapshot(jobId: string, token: string, patch: string, atBytes: number): Promise<void> {
    const previous = (await this.redis.hget(this.keys.checkpoint(jobId), 'patch_file')) || undefined;
    if (!this.dir) {
      await this.fencedSet(jobId, token, { patch, patch_file: '', patch_bytes: String(atBytes) });
    } else {
      // A new file each time: the one Redis points at is never rewritten in place.
      const file = patchFileOf(this.dir, jobId, token, ++this.patchSerial);
      writeWhole(file, patch);
      try {
        await this.fencedSet(jobId, token, { patch: '', patch_file: file, patch_bytes: String(atBytes) });
      } catch (err) {
        removeAll([file]);
        throw err;
      }
    }
    removeCheckpointFiles(jobId, [previous]);
  }

  saveResult(jobId: string, token: string, result: JobResult): Promise<void> {
    return this.fencedSet(jobId, token, { result: JSON.stringify(result) });
  }

  /** The checkpoint files the job has (in whichever directory the run that wrote them used). */
  private async filesOf(jobId: string): Promise<string[]> {
    const files = await this.redis.hmget(this.keys.checkpoint(jobId), 'rollout_file', 'patch_file');
    return files.filter((file): file is string => Boolean(file));
  }

  /** Forgets the session (a job that cannot be resumed starts over in a fresh worktree). */
  async reset(jobId: string, token: string): Promise<void> {
    const files = await this.filesOf(jobId);
    const ok = await this.redis.eval(
      FENCED_RESET,
      2,
      this.keys.checkpoint(jobId),
      this.keys.rollout(jobId),
      token,
    );
    if (ok !== 1) throw new FencedError(jobId);
    removeCheckpointFiles(jobId, files);
  }

  /**
   * Lets a finished job's checkpoint expire (the result is kept under its own key). Its files are
   * removed at once: a job with a result is never resumed.
   */
  async expire(jobId: string, seconds: number): Promise<void> {
    const files = await this.filesOf(jobId);
    await this.redis
      .multi()
      .expire(this.keys.checkpoint(jobId), seconds)
      .expire(this.keys.rollout(jobId), seconds)
      .exec();
    removeCheckpointFiles(jobId, files);
    if (this.dir) removeAll([jobFilesDir(this.dir, jobId)]);
  }
}
