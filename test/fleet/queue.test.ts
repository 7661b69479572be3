/**
 * Submit → worker → results through the real binary, a real Redis and the emulator: jobs run in
 * their own worktrees, results are stored once in Redis and in the results directory, the same
 * `--id` is one job, and `list`/`get`/`results`/`cancel` report what happened.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import {
  fleetEnv,
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
let requests: Array<{ at: number; job: string | undefined }>;
let repo: string;
let env: NodeJS.ProcessEnv;
let worker: WorkerProcess;
const logDir = tempDir('spool-fleet-log-');
const resultsDir = tempDir('spool-fleet-results-');

beforeAll(async () => {
  redis = await startRedis();
  ({ emu, requests } = await startJobEmulator());
  repo = makeRepo({ 'README.md': '# demo\n', 'src.txt': 'one\n' });
  env = fleetEnv(tempDir('spool-fleet-client-'), emu.url, redis.url);
  const workerEnv = fleetEnv(tempDir('spool-fleet-worker-'), emu.url, redis.url);
  worker = startWorker(workerEnv, [
    '--concurrency',
    '2',
    '-c',
    `queue.results_dir=${JSON.stringify(resultsDir)}`,
  ]);
});

afterAll(async () => {
  if (worker) await stopWorker(worker);
  if (process.env.FLEET_DEBUG)
    console.log(worker.output(), requests.map((r) => `${new Date(r.at).toISOString()} ${r.job}`).join('\n'));
  await emu?.close();
  await redis?.stop();
});

const sandbox = (log: string) => [
  '-c',
  'sandbox_mode="workspace-write"',
  '-c',
  `sandbox_workspace_write.writable_roots=[${JSON.stringify(path.dirname(log))}]`,
];

describe('spool queue + spool worker', () => {
  it('runs submitted exec jobs in worktrees and stores one result per job', async () => {
    const log = path.join(logDir, 'tools.log');
    const ids: string[] = [];
    for (const name of ['alpha', 'beta', 'gamma']) {
      const submitted = await spool(
        [
          'queue',
          'submit',
          'exec',
          '--repo',
          repo,
          '--ref',
          'main',
          '--id',
          `job-${name}`,
          ...sandbox(log),
          jobPrompt({ name, steps: 2, log }),
        ],
        env,
      );
      expect(submitted.stderr).toBe('');
      expect(submitted.code).toBe(0);
      ids.push(submitted.stdout.trim());
    }
    expect(ids).toEqual(['job-alpha', 'job-beta', 'job-gamma']);

    // The same id again is the same job, not a second one.
    const again = await spool(
      ['queue', 'submit', 'exec', '--repo', repo, '--id', 'job-alpha', '--json', 'other task'],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ id: 'job-alpha', created: false });

    for (const id of ids) {
      await until(
        async () => (await spool(['queue', 'results', id, '--json'], env)).code === 0,
        `result of ${id}`,
      );
    }
    const counts = lineCounts(log);
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect(counts.get(`${name} 1`)).toBe(1);
      expect(counts.get(`${name} 2`)).toBe(1);
      const result = JSON.parse((await spool(['queue', 'results', `job-${name}`, '--json'], env)).stdout);
      expect(result).toMatchObject({
        job_id: `job-${name}`,
        kind: 'exec',
        status: 'completed',
        final_message: `done ${name}`,
        runs: 1,
        resumed_runs: 0,
      });
      expect(result.session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.usage.input_tokens).toBeGreaterThan(0);
      // The results directory holds the same single result.
      expect(JSON.parse(fs.readFileSync(path.join(resultsDir, `job-${name}.json`), 'utf8'))).toEqual(result);
    }
    expect(fs.readdirSync(resultsDir).sort()).toEqual(['job-alpha.json', 'job-beta.json', 'job-gamma.json']);
    // The worktrees are gone from the repository once the jobs are done.
    const list = await spool(['queue', 'list', '--json'], env);
    const jobs = JSON.parse(list.stdout) as Array<{ id: string; state: string }>;
    expect(jobs.map((j) => [j.id, j.state]).sort()).toEqual([
      ['job-alpha', 'completed'],
      ['job-beta', 'completed'],
      ['job-gamma', 'completed'],
    ]);
    expect(emu.problems).toEqual([]);
  }, 120_000);
});
