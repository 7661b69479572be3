/**
 * `--budget USD` through the fleet and the real binary: the job's session runs with the cap as
 * `max_cost_usd`, stops at it (exec's exit code 3), and the job ends once with status
 * `budget_exceeded` — not retried into the same cap.
 */
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
let worker: WorkerProcess;
let client: NodeJS.ProcessEnv;
const logDir = tempDir('spool-fleet-budget-log-');

beforeAll(async () => {
  redis = await startRedis();
  ({ emu } = await startJobEmulator());
  client = fleetEnv(tempDir('spool-fleet-client-'), emu.url, redis.url);
  worker = startWorker(fleetEnv(tempDir('spool-fleet-w-'), emu.url, redis.url), ['--queue', 'budget']);
});

afterAll(async () => {
  if (worker) await stopWorker(worker);
  if (process.env.FLEET_DEBUG) console.log(worker.output());
  await emu?.close();
  await redis?.stop();
});

describe('a job with a budget', () => {
  it('stops at the cap and ends as budget_exceeded, once', async () => {
    const log = `${logDir}/tools.log`;
    const submitted = await spool(
      [
        'queue',
        'submit',
        'exec',
        '--queue',
        'budget',
        '--id',
        'capped',
        '--repo',
        makeRepo(),
        '--budget',
        '0.000001',
        '-c',
        'sandbox_mode="workspace-write"',
        '-c',
        `sandbox_workspace_write.writable_roots=[${JSON.stringify(logDir)}]`,
        jobPrompt({ name: 'capped', steps: 20, log }),
      ],
      client,
    );
    expect(submitted.stderr).toBe('');
    const run = await until(
      async () => {
        const got = await spool(['queue', 'results', '--queue', 'budget', 'capped', '--json'], client);
        return got.code === 0 ? got : undefined;
      },
      'the result of the capped job',
      240_000,
    );
    const result = JSON.parse(run!.stdout);
    expect(result).toMatchObject({ status: 'budget_exceeded', runs: 1 });
    expect(String(result.error)).toMatch(/max_cost_usd|budget|cap/i);
    // Stopped long before its 20 steps.
    expect(lineCounts(log).get('capped 20')).toBeUndefined();
  }, 300_000);
});
