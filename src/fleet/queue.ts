/**
 * The fleet's queue as the command line sees it: submit, list, inspect, cancel, read results.
 * Jobs are BullMQ jobs whose data is a JobData and whose id is the submitter's `--id` (so the same
 * id submitted twice is one job) or a fresh UUID.
 */
import { randomUUID } from 'node:crypto';
import { type ConnectionOptions, type Job, type JobState, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JOB_ID_PATTERN, JobData, type JobResult } from './job.js';
import { type FleetKeys, fleetKeys } from './keys.js';
import { ResultStore } from './results.js';
import { type QueueSettings, redactedUrl } from './settings.js';

export class FleetError extends Error {}

/** Connection options for BullMQ. Workers wait for Redis forever; commands give up quickly. */
export function bullConnection(settings: QueueSettings, forWorker: boolean): ConnectionOptions {
  return forWorker
    ? { url: settings.redisUrl, maxRetriesPerRequest: null }
    : {
        url: settings.redisUrl,
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        retryStrategy: (times: number) => (times > 3 ? null : 200 * times),
      };
}

export function openQueue(settings: QueueSettings, forWorker = true): Queue {
  return new Queue(settings.name, {
    connection: bullConnection(settings, forWorker),
    prefix: settings.prefix,
  });
}

/** A Redis connection for commands, checked with PING so an unreachable server is one clear error. */
export async function connectRedis(settings: QueueSettings): Promise<Redis> {
  const redis = new Redis(settings.redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  const errors: string[] = [];
  redis.on('error', (err) => errors.push(err.message));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const detail = errors[0] ?? (err as Error).message;
    throw new FleetError(
      `cannot reach Redis at ${redactedUrl(settings.redisUrl)} (from ${settings.redisUrlSource}): ${detail}`,
    );
  }
  return redis;
}

export interface SubmitOptions {
  id?: string;
  priority?: number;
}

export interface JobSummary {
  id: string;
  kind: string;
  /** BullMQ's state, with `failed` shown as `dead-letter` (no more attempts) or `cancelled`. */
  state: string;
  repo: string;
  ref: string;
  prompt?: string;
  priority: number;
  attempts_made: number;
  attempts: number;
  session_id: string | null;
  worker: string | null;
  failed_reason: string | null;
  submitted_at: string | null;
  finished_at: string | null;
}

const LISTED_STATES: JobState[] = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'];

export class FleetQueue {
  private constructor(
    readonly settings: QueueSettings,
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly keys: FleetKeys,
    private readonly results: ResultStore,
  ) {}

  static async open(settings: QueueSettings): Promise<FleetQueue> {
    const redis = await connectRedis(settings);
    const keys = fleetKeys(settings.prefix, settings.name);
    return new FleetQueue(settings, redis, openQueue(settings, false), keys, new ResultStore(redis, keys));
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }

  /** Adds the job unless one with this id exists (then nothing changes). */
  async submit(data: JobData, options: SubmitOptions = {}): Promise<{ id: string; created: boolean }> {
    const id = options.id ?? randomUUID();
    if (!JOB_ID_PATTERN.test(id))
      throw new FleetError(
        `job id "${id}" is not usable: use up to 128 letters, digits, '.', '_' or '-', not only digits`,
      );
    if ((await this.queue.getJob(id)) || (await this.results.get(id))) return { id, created: false };
    const { settings } = this;
    const job = await this.queue.add(data.kind, JobData.parse(data), {
      jobId: id,
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs },
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      removeOnComplete: false,
      removeOnFail: false,
    });
    return { id: job.id as string, created: true };
  }

  private async summary(job: Job): Promise<JobSummary> {
    const state = await job.getState();
    const data = JobData.safeParse(job.data);
    const result = state === 'failed' ? await this.results.get(job.id as string) : undefined;
    const progress = (job.progress ?? {}) as { session_id?: string; worker?: string };
    return {
      id: job.id as string,
      kind: data.success ? data.data.kind : job.name,
      state: state === 'failed' ? (result?.status === 'cancelled' ? 'cancelled' : 'dead-letter') : state,
      repo: data.success ? data.data.repo : '',
      ref: data.success ? data.data.ref : '',
      ...(data.success && data.data.prompt !== undefined ? { prompt: data.data.prompt } : {}),
      priority: job.priority,
      attempts_made: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      session_id: progress.session_id ?? null,
      worker: progress.worker ?? null,
      failed_reason: job.failedReason ?? null,
      submitted_at: data.success ? data.data.submitted_at : null,
      finished_at: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    };
  }

  async list(states: JobState[] = LISTED_STATES, limit = 50): Promise<JobSummary[]> {
    const jobs = await this.queue.getJobs(states, 0, Math.max(0, limit - 1));
    const summaries = await Promise.all(
      jobs.filter((job): job is Job => Boolean(job)).map((job) => this.summary(job)),
    );
    return summaries
      .sort((a, b) => (b.submitted_at ?? '').localeCompare(a.submitted_at ?? ''))
      .slice(0, limit);
  }

  async get(id: string): Promise<(JobSummary & { result?: JobResult }) | undefined> {
    const job = await this.queue.getJob(id);
    const result = await this.results.get(id);
    if (!job) return undefined;
    return { ...(await this.summary(job)), ...(result ? { result } : {}) };
  }

  async result(id: string): Promise<JobResult | undefined> {
    return this.results.get(id);
  }

  /**
   * Cancels a job: a waiting one is removed and recorded as cancelled; a running one's worker is
   * asked to stop its session (it records the cancellation). Finished jobs cannot be cancelled.
   */
  async cancel(id: string): Promise<'removed' | 'requested' | 'finished' | 'unknown'> {
    const job = await this.queue.getJob(id);
    if (!job) return 'unknown';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'finished';
    // The flag first: a worker that takes the job meanwhile sees it before it starts the session.
    await this.redis.set(this.keys.cancel(id), '1', 'EX', 7 * 24 * 3600);
    if (state === 'active') return 'requested';
    try {
      await job.remove();
    } catch (err) {
      // Taken by a worker between our look and the removal: that worker sees the flag and stops.
      if ((await job.getState()) === 'active') return 'requested';
      throw err;
    }
    const data = JobData.parse(job.data);
    await this.results.store({
      job_id: id,
      kind: data.kind,
      status: 'cancelled',
      final_message: null,
      error: 'cancelled before it ran',
      usage: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0 },
      cost_usd: null,
      session_id: null,
      runs: 0,
      resumed_runs: 0,
      worker: '',
      finished_at: new Date().toISOString(),
    });
    return 'removed';
  }
}
