/**
 * A job's life beyond the happy path, through the real binary: a run that fails is retried with
 * backoff and resumes its session; a job that keeps failing ends dead-lettered with one failed
 * result; a waiting job and a running one are cancelled (the running session is stopped); a worker
 * stopped with SIGTERM hands its running job back, and another worker finishes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, serverError500 } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import {
  fleetEnv,
  jobOf,
  jobPrompt,
  lineCounts,
  makeRepo,
  type RedisServer,
  spool,
  startJobEmulator,
  startRedis,
  startWorker,
  stopWorker,
  until,
  type WorkerProcess,
} from './support.js';

let redis: RedisServer;
let emu: Emulator;
let repo: string;
let client: NodeJS.ProcessEnv;
const workers: WorkerProcess[] = [];
const logDir = tempDir('spool-fleet-life-log-');
const log = path.join(logDir, 'tools.log');
let flakyFailed = false;

// Attempts and backoff are the job's, fixed when it is submitted; the lock is the worker's.
const SUBMIT_QUEUE = ['-c', 'queue.attempts=2', '-c', 'queue.backoff_ms=200'];
const QUEUE = ['-c', 'queue.lock_duration_ms=5000'];
const JOB_CONFIG = [
  '-c',
  'request_max_retries=0',
  '-c',
  'stream_max_retries=0',
  '-c',
  'sandbox_mode="workspace-write"',
  '-c',
  `sandbox_workspace_write.writable_roots=[${JSON.stringify(logDir)}]`,
];

beforeAll(async () => {
  redis = await startRedis();
  ({ emu } = await startJobEmulator({
    before: (request) => {
      const job = jobOf(request)?.spec.name;
      if (job === 'dead') return serverError500();
      if (job === 'flaky' && !flakyFailed) {
        flakyFailed = true;
        return serverError500();
      }
      return undefined;
    },
  }));
  repo = makeRepo();
  client = fleetEnv(tempDir('spool-fleet-client-'), emu.url, redis.url);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  if (process.env.FLEET_DEBUG) for (const w of workers) console.log(w.output());
  await emu?.close();
  await redis?.stop();
});

function worker(queue: string, extra: string[] = []): WorkerProcess {
  const started = startWorker(fleetEnv(tempDir('spool-fleet-w-'), emu.url, redis.url), [
    '--queue',
    queue,
    '--concurrency',
    '2',
    ...QUEUE,
    ...extra,
  ]);
  workers.push(started);
  return started;
}

async function submit(queue: string, name: string, steps: number, sleepSeconds?: number): Promise<void> {
  const prompt = jobPrompt({ name, steps, log, ...(sleepSeconds ? { sleepSeconds } : {}) });
  const run = await spool(
    [
      'queue',
      'submit',
      'exec',
      '--queue',
      queue,
      '--repo',
      repo,
      '--ref',
      'main',
      '--id',
      name,
      ...SUBMIT_QUEUE,
      ...JOB_CONFIG,
      prompt,
    ],
    client,
  );
  expect(run.stderr).toBe('');
  expect(run.stdout.trim()).toBe(name);
}

async function result(queue: string, id: string): Promise<Record<string, unknown>> {
  const run = await until(
    async () => {
      const got = await spool(['queue', 'results', '--queue', queue, id, '--json'], client);
      return got.code === 0 ? got : undefined;
    },
    `the result of ${id}`,
    240_000,
  );
  return JSON.parse((run as { stdout: string }).stdout);
}

async function state(queue: string, id: string): Promise<Record<string, unknown>> {
  return JSON.parse((await spool(['queue', 'get', '--queue', queue, id, '--json'], client)).stdout);
}

describe('retries, dead letters, cancellation and hand-back', () => {
  it('retries a failed run by resuming its session, and dead-letters a job that keeps failing', async () => {
    worker('retry');
    await submit('retry', 'flaky', 1);
    await submit('retry', 'dead', 1);
    expect(await result('retry', 'flaky')).toMatchObject({
      status: 'completed',
      final_message: 'done flaky',
      runs: 2,
      resumed_runs: 1,
    });
    const dead = await result('retry', 'dead');
    expect(dead).toMatchObject({ status: 'failed', final_message: null });
    expect(String(dead.error)).toMatch(/500|server had an error/);
    expect(await state('retry', 'dead')).toMatchObject({
      state: 'dead-letter',
      attempts_made: 2,
      attempts: 2,
    });
    expect(lineCounts(log).get('flaky 1')).toBe(1);
  }, 300_000);

  it('cancels a waiting job and a running one', async () => {
    // No worker takes jobs from "idle": the job waits, and cancelling removes it.
    await submit('idle', 'waiting', 1);
    const cancel = await spool(['queue', 'cancel', '--queue', 'idle', 'waiting'], client);
    expect(cancel.stdout.trim()).toBe('job waiting cancelled');
    expect(await result('idle', 'waiting')).toMatchObject({ status: 'cancelled' });
    const again = await spool(['queue', 'cancel', '--queue', 'idle', 'waiting'], client);
    expect(again.code).toBe(1);

    worker('cancel');
    await submit('cancel', 'long', 2, 30);
    await until(
      () => lineCounts(log).get('long 1') === 1,
      'the long job to start its first command',
      240_000,
    );
    const running = await spool(['queue', 'cancel', '--queue', 'cancel', 'long'], client);
    expect(running.code).toBe(0);
    expect(running.stdout).toContain('is running');
    const cancelled = await result('cancel', 'long');
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(await state('cancel', 'long')).toMatchObject({ state: 'cancelled' });
    expect(lineCounts(log).get('long 2')).toBeUndefined();
  }, 300_000);

  it('hands a running job back on SIGTERM; another worker resumes and finishes it', async () => {
    const first = worker('handback', ['-c', 'queue.shutdown_grace_ms=200']);
    await submit('handback', 'handback', 3, 1);
    await until(() => lineCounts(log).get('handback 1') === 1, 'the job to run its first command', 240_000);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(first.output()).toContain('job handback: handed back to the queue');
    const second = worker('handback');
    const done = await result('handback', 'handback');
    expect(done).toMatchObject({ status: 'completed', final_message: 'done handback', resumed_runs: 1 });
    expect(done.worker).toBe(`${os.hostname()}:${second.child.pid}`);
    const counts = lineCounts(log);
    for (const step of [1, 2, 3]) expect(counts.get(`handback ${step}`) ?? 0).toBeLessThanOrEqual(1);
    expect(counts.get('handback 3')).toBe(1);
    expect(emu.problems).toEqual([]);
  }, 300_000);

  it('keeps the checkpoint in a shared directory when configured, and resumes from it', async () => {
    const shared = tempDir('spool-fleet-shared-');
    const inDir = ['-c', `queue.checkpoint_dir=${JSON.stringify(shared)}`];
    const notADir = path.join(shared, 'file');
    fs.writeFileSync(notADir, '');
    const refused = worker('shared', ['-c', `queue.checkpoint_dir=${JSON.stringify(notADir)}`]);
    expect((await refused.exited).code).toBe(1);
    expect(refused.output()).toMatch(/queue\.checkpoint_dir .*file is not usable/);

    const first = worker('shared', [...inDir, '-c', 'queue.shutdown_grace_ms=200']);
    await submit('shared', 'in-dir', 3, 1);
    await until(() => lineCounts(log).get('in-dir 1') === 1, 'the job to run its first command', 240_000);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    // Handed back: the session's log is a file of the shared directory, not a list in Redis.
    const [rollout] = fs.readdirSync(path.join(shared, 'in-dir')).filter((f) => f.endsWith('.rollout.jsonl'));
    expect(fs.readFileSync(path.join(shared, 'in-dir', rollout as string), 'utf8')).toContain('in-dir 1');
    expect(redis.cli('EXISTS', 'spool:shared:spool:ckpt:in-dir:rollout')).toBe('0');

    worker('shared', inDir);
    const done = await result('shared', 'in-dir');
    expect(done).toMatchObject({ status: 'completed', final_message: 'done in-dir', resumed_runs: 1 });
    const counts = lineCounts(log);
    for (const step of [1, 2, 3]) expect(counts.get(`in-dir ${step}`)).toBe(1);
    expect(fs.existsSync(path.join(shared, 'in-dir'))).toBe(false);
  }, 300_000);
});
