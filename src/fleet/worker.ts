/**
 * `spool worker`: takes jobs from the queue (BullMQ) and runs each in a job-runner process of its
 * own (`spool worker run-job`, see job-runner.ts), up to `concurrency` at once.
 *
 * - A job's result is stored once (results.ts) before the job is marked completed.
 * - A job whose worker died is handed to another worker by BullMQ's stalled-job check once the dead
 *   worker's lock expires; that run resumes the session from the checkpoint.
 * - SIGTERM (`shutdown`): take no new jobs, let running ones go on for the grace period, then stop
 *   them and hand them back to the queue (they resume elsewhere).
 * - A cancellation (`spool queue cancel`) stops the job's session and records it as cancelled.
 * - Model requests go through the worker's provider gate (provider-proxy.ts): fleet-wide rate caps,
 *   and a 429 pauses the provider and the queue for every worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadRuntime } from '../config/runtime.js';
import { emptyUsage } from '../protocol/usage.js';
import { prepareCheckpointDir } from './checkpoint-files.js';
import { JobData, type JobResult } from './job.js';
import type { RunOutcome, RunStart, StopReason } from './job-runner.js';
import { fleetKeys } from './keys.js';
import { type ProviderProxy, startProviderProxy } from './provider-proxy.js';
import { bullConnection, FleetError, openQueue } from './queue.js';
import { FleetRateLimiter } from './rate-limit.js';
import { ResultStore } from './results.js';
import type { QueueSettings } from './settings.js';

export interface WorkerOptions {
  settings: QueueSettings;
  concurrency: number;
  /** The configuration flags the worker was started with (profile, `-c`): jobs' own `-c` go after. */
  flags: CliFlags;
  env: NodeJS.ProcessEnv;
  spoolHome: string;
  /** The `spool` entry script (job runners and sessions run the same binary). */
  spoolBin: string;
  log: (line: string) => void;
}

/** Messages between the worker and a job runner (over the runner's IPC channel). */
export type ToRunner = { type: 'start'; start: RunStart } | { type: 'stop'; reason: StopReason };
export type FromRunner =
  | { type: 'session'; sessionId: string }
  | { type: 'outcome'; outcome: RunOutcome }
  | { type: 'log'; line: string };

interface ActiveRun {
  runner: ChildProcess;
  stop(reason: StopReason): void;
}

const CANCEL_POLL_MS = 500;

export class FleetWorker {
  readonly id = `${os.hostname()}:${process.pid}`;
  private worker: Worker | undefined;
  private readonly active = new Map<string, ActiveRun>();
  private readonly redis: Redis;
  private readonly results: ResultStore;
  private readonly keys;
  private proxy: ProviderProxy | undefined;
  private cancelTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: WorkerOptions) {
    const { settings } = options;
    if (settings.checkpointDir) {
      try {
        prepareCheckpointDir(settings.checkpointDir);
      } catch (err) {
        throw new FleetError((err as Error).message);
      }
    }
    this.keys = fleetKeys(settings.prefix, settings.name);
    this.redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', (err) => options.log(`redis: ${err.message}`));
    this.results = new ResultStore(this.redis, this.keys, settings.resultsDir);
  }

  async start(): Promise<void> {
    const { settings, log } = this.options;
    const queue = openQueue(settings);
    const limiter = new FleetRateLimiter(this.redis, this.keys, settings.rateLimits, this.id);
    this.proxy = await startProviderProxy(limiter, {
      onRateLimited: (provider, ms) => {
        log(`${provider} answered 429: the fleet pauses its requests and the queue for ${ms} ms`);
        void queue.rateLimit(ms).catch((err: Error) => log(`cannot rate-limit the queue: ${err.message}`));
      },
      onError: log,
    });
    this.worker = new Worker(settings.name, (job, token) => this.process(job, token as string), {
      connection: bullConnection(settings, true),
      prefix: settings.prefix,
      concurrency: this.options.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A stall is a lost worker, not a failure of the job: allow as many as attempts.
      maxStalledCount: settings.attempts,
      // BullMQ applies a queue rate limit (queue.rateLimit after a 429) only to workers with a limiter.
      limiter: { max: 1_000_000, duration: 1_000 },
      name: this.id,
    });
    this.worker.on('error', (err) => log(`queue: ${err.message}`));
    this.worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) this.active.get(id)?.stop('lock-lost');
    });
    this.worker.on('closed', () => void queue.close());
    this.cancelTimer = setInterval(() => void this.pollCancellations(), CANCEL_POLL_MS);
    await this.worker.waitUntilReady();
    log(
      `worker ${this.id} takes jobs from ${settings.prefix}:${settings.name} (concurrency ${this.options.concurrency})`,
    );
  }

  /** Takes no new jobs; running ones go on for `graceMs`, then are stopped and handed back. */
  shutdown(graceMs = this.options.settings.shutdownGraceMs): Promise<void> {
    if (this.closing) {
      this.handBackAll();
      return this.closing;
    }
    const grace = setTimeout(() => this.handBackAll(), graceMs);
    this.closing = (async () => {
      await this.worker?.close();
      clearTimeout(grace);
      clearInterval(this.cancelTimer);
      await this.proxy?.close();
      this.redis.disconnect();
    })();
    return this.closing;
  }

  private handBackAll(): void {
    for (const run of this.active.values()) run.stop('shutdown');
  }

  private async pollCancellations(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      const flags = await this.redis.mget(ids.map((id) => this.keys.cancel(id)));
      ids.forEach((id, i) => {
        if (flags[i] !== null) this.active.get(id)?.stop('cancelled');
      });
    } catch (err) {
      this.options.log(`cannot check cancellations: ${(err as Error).message}`);
    }
  }

  private failedResult(job: Job, data: JobData, status: 'failed' | 'cancelled', error: string): JobResult {
    return {
      job_id: job.id as string,
      kind: data.kind,
      status,
      final_message: null,
      error,
      usage: emptyUsage(),
      cost_usd: null,
      session_id: (job.progress as { session_id?: string } | undefined)?.session_id ?? null,
      runs: job.attemptsStarted,
      resumed_runs: 0,
      worker: this.id,
      finished_at: new Date().toISOString(),
    };
  }

  /** The job's provider, routed through this worker's gate, as `-c` overrides for its session. */
  private routing(data: JobData): { config: string[]; release: () => void } {
    const runtime = loadRuntime(
      { ...this.options.flags, config: [...(this.options.flags.config ?? []), ...data.config] },
      this.options.env,
      {
        approvalPolicy: 'never',
      },
    );
    const missing = missingKeyMessage(runtime.provider);
    if (missing) throw new UnrecoverableError(missing);
    const route = (this.proxy as ProviderProxy).route(runtime.providerId, runtime.provider.baseURL);
    return {
      config: [`model_providers.${runtime.providerId}.base_url=${JSON.stringify(route.baseUrl)}`],
      release: route.release,
    };
  }

  private async process(job: Job, token: string): Promise<JobResult> {
    const { log } = this.options;
    const id = job.id as string;
    const parsed = JobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job data: ${parsed.error.message}`);
    const data = parsed.data;
    const existing = await this.results.get(id);
    if (existing) return existing;
    if ((await this.redis.exists(this.keys.cancel(id))) === 1)
      return this.finishFailed(job, data, 'cancelled', 'cancelled before it started', true);

    let routing: { config: string[]; release: () => void };
    try {
      routing = this.routing(data);
    } catch (err) {
      return this.finishFailed(job, data, 'failed', (err as Error).message, true);
    }
    log(
      `job ${id}: run ${job.attemptsStarted} (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1})`,
    );
    let outcome: RunOutcome;
    try {
      outcome = await this.runInRunner(job, data, routing.config);
    } finally {
      routing.release();
    }
    switch (outcome.type) {
      case 'result': {
        const kept = await this.results.store(outcome.result);
        log(`job ${id}: ${kept.status}`);
        return kept;
      }
      case 'permanent':
        return this.finishFailed(job, data, 'failed', outcome.message, true);
      case 'retry': {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        log(
          `job ${id}: run failed (${outcome.message})${final ? '; no attempts left: dead-lettered' : '; will retry'}`,
        );
        if (final) return this.finishFailed(job, data, 'failed', outcome.message, false);
        throw new Error(outcome.message);
      }
      case 'stopped':
        if (outcome.reason === 'cancelled')
          return this.finishFailed(job, data, 'cancelled', 'cancelled', true);
        if (outcome.reason === 'shutdown') {
          // Handed back: the job waits for another worker, which resumes it from the checkpoint.
          await job.moveToWait(token);
          log(`job ${id}: handed back to the queue`);
          throw new WaitingError();
        }
        throw new Error(`job ${id}: ${outcome.message}`);
    }
  }

  /** Records the job's final failure (once) and fails it for BullMQ: no retry when `permanent`. */
  private async finishFailed(
    job: Job,
    data: JobData,
    status: 'failed' | 'cancelled',
    message: string,
    permanent: boolean,
  ): Promise<never> {
    const kept = await this.results.store(this.failedResult(job, data, status, message));
    this.options.log(`job ${job.id}: ${kept.status}: ${kept.error ?? ''}`);
    throw permanent ? new UnrecoverableError(message) : new Error(message);
  }

  private runInRunner(job: Job, data: JobData, extraConfig: string[]): Promise<RunOutcome> {
    const { settings, spoolBin, env, spoolHome, log } = this.options;
    const id = job.id as string;
    const start: RunStart = {
      jobId: id,
      data,
      token: randomUUID(),
      redisUrl: settings.redisUrl,
      prefix: settings.prefix,
      queue: settings.name,
      workDir: settings.workDir,
      ...(settings.checkpointDir ? { checkpointDir: settings.checkpointDir } : {}),
      spoolHome,
      spoolBin,
      workerId: this.id,
      baseArgs: [
        ...(this.options.flags.profile ? ['-p', this.options.flags.profile] : []),
        ...(this.options.flags.config ?? []).flatMap((value) => ['-c', value]),
      ],
      extraConfig,
      env,
    };
    const runner = spawn(process.execPath, [spoolBin, 'worker', 'run-job'], {
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise<RunOutcome>((resolve) => {
      let outcome: RunOutcome | undefined;
      const stop = (reason: StopReason) => {
        if (runner.connected) runner.send({ type: 'stop', reason } satisfies ToRunner);
      };
      this.active.set(id, { runner, stop });
      runner.on('message', (message: FromRunner) => {
        if (message.type === 'outcome') outcome = message.outcome;
        else if (message.type === 'session')
          void job
            .updateProgress({ session_id: message.sessionId, worker: this.id })
            .catch((err: Error) => log(`job ${id}: cannot record progress: ${err.message}`));
        else if (message.type === 'log') log(`job ${id}: ${message.line}`);
      });
      runner.on('error', (err) => log(`job ${id}: runner: ${err.message}`));
      runner.on('exit', (code, signal) => {
        this.active.delete(id);
        resolve(
          outcome ?? {
            type: 'retry',
            message: `the job runner exited (${code ?? signal}) without an outcome`,
          },
        );
      });
      runner.send({ type: 'start', start } satisfies ToRunner);
    });
  }
}
