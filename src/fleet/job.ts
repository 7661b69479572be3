/**
 * The shapes the fleet keeps in Redis: what a job asks for (its data) and what it produced (its
 * result). One schema each, used by the submitting CLI, the worker and the job runner alike.
 */
import { z } from 'zod';
import { Usage } from '../protocol/usage.js';

const JobKind = z.enum(['exec', 'review']);

/** A job id a person chooses (`--id`): also BullMQ's job id, so it must not look like a number. */
export const JOB_ID_PATTERN = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const JobData = z
  .object({
    kind: JobKind,
    /** A local repository path (absolute) or a git URL. */
    repo: z.string().min(1),
    /** Branch, tag or commit to work on. */
    ref: z.string().min(1),
    /** exec: the task; review: extra instructions (optional). */
    prompt: z.string().optional(),
    /** review: the branch the change is compared against (else the ref's own commit is reviewed). */
    base: z.string().optional(),
    /** `-c key=value` overrides for the job's session, in order. */
    config: z.array(z.string()).default([]),
    /** A spend cap for the job's session, in USD (the budget config key). */
    budget_usd: z.number().positive().optional(),
    submitted_at: z.string(),
  })
  .strict();
export type JobData = z.infer<typeof JobData>;

/** `budget_exceeded`: the session stopped at the job's spend cap (`--budget`); not retried. */
const JobStatus = z.enum(['completed', 'failed', 'cancelled', 'budget_exceeded']);

export const JobResult = z.object({
  job_id: z.string(),
  kind: JobKind,
  status: JobStatus,
  /** The session's final message (exec), or the review's rendered text. */
  final_message: z.string().nullable(),
  /** Structured review findings, when the review printed them. */
  findings: z.unknown().optional(),
  error: z.string().optional(),
  usage: Usage,
  /** Cost in USD when the session reports it; null when unknown (never 0 for unknown). */
  cost_usd: z.number().nullable(),
  session_id: z.string().nullable(),
  /** Runs of the job (a run resumed after a worker was lost counts). */
  runs: z.number(),
  /** Runs that continued a session checkpointed by an earlier run. */
  resumed_runs: z.number(),
  worker: z.string(),
  finished_at: z.string(),
});
export type JobResult = z.infer<typeof JobResult>;
