/**
 * The fleet survives a worker killed with SIGKILL mid-job: three worker processes (two jobs each)
 * run 30 jobs against a real Redis; one worker is killed while its jobs' sessions are running.
 * BullMQ's stalled-job check hands its jobs to the others, which resume the sessions from the
 * checkpoint (same session, same worktree changes) instead of restarting them. Then:
 *
 * - every job completed exactly once: one result in Redis, one file in the results directory, one
 *   completed BullMQ job, no failures;
 * - no tool ran twice: every command appends one line to a log, and no line is there twice;
 * - the interrupted jobs were resumed (their session went on under the same thread id), and the
 *   worktree changes made before the kill were there after it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetQueue } from '../../src/fleet/queue.js';
import type { Emulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import {
  fleetEnv,
  jobPrompt,
  lineCounts,
  makeRepo,
  queueSettingsFor,
  type RedisServer,
  type RequestLog,
  spool,
  startJobEmulator,
  startRedis,
  startWorker,
  stopWorker,
  until,
  type WorkerProcess,
} from './support.js';

const JOBS = 30;
const STEPS = 2;

let redis: RedisServer;
let emu: Emulator;
let requests: RequestLog[];
let repo: string;
const workers: WorkerProcess[] = [];
const logDir = tempDir('spool-fleet-crash-log-');
const resultsDir = tempDir('spool-fleet-crash-results-');

beforeAll(async () => {
  redis = await startRedis();
  // A simulated model latency: each SSE event after the first waits 40 ms.
  ({ emu, requests } = await startJobEmulator({ eventDelayMs: 40 }));
  repo = makeRepo();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  if (process.env.FLEET_DEBUG) for (const w of workers) console.log(w.output());
  await emu?.close();
  await redis?.stop();
});

function resultKeys(): string[] {
  const out = redis.cli('--scan', '--pattern', '*:result:*');
  return out === '' ? [] : out.split('\n');
}

describe('a worker killed with SIGKILL mid-job', () => {
  it('loses no job, duplicates no result and runs no tool twice', async () => {
    const log = path.join(logDir, 'tools.log');
    const client = fleetEnv(tempDir('spool-fleet-client-'), emu.url, redis.url);
    const queueConfig = [
      '-c',
      'queue.lock_duration_ms=4000',
      '-c',
      'queue.stalled_interval_ms=1500',
      '-c',
      `queue.results_dir=${JSON.stringify(resultsDir)}`,
    ];
    for (let i = 0; i < 3; i++) {
      workers.push(
        startWorker(fleetEnv(tempDir(`spool-fleet-w${i}-`), emu.url, redis.url), [
          '--concurrency',
          '2',
          ...queueConfig,
        ]),
      );
    }
    // Submitted through the library (30 CLI processes would cost more than the jobs); the CLI's own
    // submit is tested in queue.test.ts.
    const queue = await FleetQueue.open(queueSettingsFor(redis.url));
    for (let i = 0; i < JOBS; i++) {
      const name = `j${String(i).padStart(2, '0')}`;
      await queue.submit(
        {
          kind: 'exec',
          repo,
          ref: 'main',
          prompt: jobPrompt({ name, steps: STEPS, log, sleepSeconds: 0.5 }),
          config: [
            'sandbox_mode="workspace-write"',
            `sandbox_workspace_write.writable_roots=[${JSON.stringify(logDir)}]`,
          ],
          submitted_at: new Date().toISOString(),
        },
        { id: name },
      );
    }

    // Kill the first worker once it runs a session whose first tool has run (mid-job).
    const victim = workers[0] as WorkerProcess;
    const victimId = `${os.hostname()}:${victim.child.pid}`;
    const interrupted = await until(
      async () => {
        const active = await queue.list(['active']);
        const mine = active.filter((job) => job.worker === victimId && job.session_id);
        const counts = lineCounts(log);
        const started = mine.filter((job) => counts.has(`${job.id} 1`) && !counts.has(`${job.id} ${STEPS}`));
        return started.length > 0 ? mine : undefined;
      },
      'a job of the victim worker mid-session',
      300_000,
    );
    victim.child.kill('SIGKILL');
    await victim.exited;
    const ranBeforeKill = lineCounts(log);

    await until(() => resultKeys().length >= JOBS, 'every job to have a result', 400_000);
    await queue.close();
    // Give a duplicate (if any were possible) the time to appear.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(resultKeys()).toHaveLength(JOBS);
    expect(fs.readdirSync(resultsDir).sort()).toHaveLength(JOBS);

    const list = await spool(['queue', 'list', '--limit', '100', '--json'], client);
    const jobs = JSON.parse(list.stdout) as Array<{ id: string; state: string }>;
    expect(jobs).toHaveLength(JOBS);
    expect(jobs.filter((job) => job.state !== 'completed')).toEqual([]);

    const counts = lineCounts(log);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);

    for (let i = 0; i < JOBS; i++) {
      const name = `j${String(i).padStart(2, '0')}`;
      const result = JSON.parse(fs.readFileSync(path.join(resultsDir, `${name}.json`), 'utf8'));
      expect(result).toMatchObject({ job_id: name, status: 'completed', final_message: `done ${name}` });
    }
    // The interrupted jobs went on in the same session on another worker.
    for (const job of interrupted ?? []) {
      const result = JSON.parse(fs.readFileSync(path.join(resultsDir, `${job.id}.json`), 'utf8'));
      expect(result.session_id).toBe(job.session_id);
      expect(result.resumed_runs).toBeGreaterThanOrEqual(1);
      expect(result.worker).not.toBe(victimId);
      const sessions = new Set(requests.filter((r) => r.job === job.id).map((r) => r.session));
      expect(sessions).toEqual(new Set([job.session_id]));
      // Commands that ran before the kill did not run again. (One cut off before it could write its
      // line is answered `aborted` on resume and not run again either: its line may be missing.)
      for (const [line] of ranBeforeKill) if (line.startsWith(`${job.id} `)) expect(counts.get(line)).toBe(1);
    }
    expect(emu.problems).toEqual([]);
    // No session of the killed worker is left running.
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain(victim.home);
  }, 900_000);
});
