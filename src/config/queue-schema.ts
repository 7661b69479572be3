/**
 * `[queue]` in config.toml: where the fleet's job queue lives (Redis) and how workers run jobs.
 * Read by `spool queue …` and `spool worker` (src/fleet/); the loop never reads it.
 */
import { z } from 'zod';

/** A fleet-wide cap on model requests to one provider (`[queue.rate_limits.<provider id>]`). */
const ProviderRateLimitConfig = z
  .object({
    /** Without it the provider has no cap (only 429 pauses). */
    requests_per_minute: z.number().int().positive().optional(),
    /** The window the cap is counted over (default 60 000 ms); a shorter one smooths bursts. */
    window_ms: z.number().int().positive().optional(),
  })
  .strict();

export const QueueConfig = z
  .object({
    /** `redis://[user:password@]host:port[/db]` or `rediss://…`; else `SPOOL_REDIS_URL`. */
    redis_url: z.string().optional(),
    /** The BullMQ queue name (default `spool`). */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, `_`, `.` or `-`')
      .optional(),
    /** The prefix of every Redis key (default `spool`). */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, `_`, `.` or `-`')
      .optional(),
    /** Where a worker makes each job's worktree and Spool home (default `$SPOOL_HOME/fleet/work`). */
    work_dir: z.string().optional(),
    /** Where a worker also writes each job's result as `<id>.json` (default `$SPOOL_HOME/fleet/results`). */
    results_dir: z.string().optional(),
    /**
     * A directory on storage every worker shares (the same path everywhere) for the checkpointed
     * rollouts and worktree snapshots; without it they are kept in Redis.
     */
    checkpoint_dir: z.string().optional(),
    /** Attempts per job before it is dead-lettered (default 3). */
    attempts: z.number().int().positive().optional(),
    /** First retry delay; it doubles per attempt (default 10 000 ms). */
    backoff_ms: z.number().int().nonnegative().optional(),
    /** How long a worker's claim on a job lasts without renewal (default 30 000 ms). */
    lock_duration_ms: z.number().int().positive().optional(),
    /** How often workers look for jobs whose worker died (default 30 000 ms). */
    stalled_interval_ms: z.number().int().positive().optional(),
    /** After SIGTERM, how long running jobs may go on before they are handed back (default 60 000 ms). */
    shutdown_grace_ms: z.number().int().nonnegative().optional(),
    rate_limits: z.record(z.string(), ProviderRateLimitConfig).optional(),
  })
  .strict();
export type QueueConfig = z.infer<typeof QueueConfig>;
