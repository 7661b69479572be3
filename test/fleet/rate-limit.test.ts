/**
 * Fleet-wide rate limits, with two worker processes against one emulator: a 429 with Retry-After
 * seen by one session pauses every worker's requests to that provider until it ends; a configured
 * requests-per-minute cap holds across workers.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, rateLimit429 } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import {
  fleetEnv,
  jobPrompt,
  makeRepo,
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

let redis: RedisServer;
let emu: Emulator;
let requests: RequestLog[];
let repo: string;
let client: NodeJS.ProcessEnv;
const workers: WorkerProcess[] = [];
const logDir = tempDir('spool-fleet-rl-log-');
const log = path.join(logDir, 'tools.log');
let limitedAt: number | undefined;

beforeAll(async () => {
  redis = await startRedis();
  ({ emu, requests } = await startJobEmulator({
    before: () => {
      // Once several sessions are under way, the provider answers one request with 429 / Retry-After: 2.
      if (limitedAt === undefined && requests.filter((r) => r.job?.startsWith('p')).length >= 4) {
        limitedAt = Date.now();
        return rateLimit429(2);
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

async function runJobs(queue: string, names: string[], steps: number, workerArgs: string[]): Promise<void> {
  for (let i = 0; i < 2; i++)
    workers.push(
      startWorker(fleetEnv(tempDir('spool-fleet-w-'), emu.url, redis.url), [
        '--queue',
        queue,
        '--concurrency',
        '2',
        ...workerArgs,
      ]),
    );
  for (const name of names) {
    const run = await spool(
      [
        'queue',
        'submit',
        'exec',
        '--queue',
        queue,
        '--repo',
        repo,
        '--id',
        name,
        '-c',
        'sandbox_mode="workspace-write"',
        '-c',
        `sandbox_workspace_write.writable_roots=[${JSON.stringify(logDir)}]`,
        jobPrompt({ name, steps, log, sleepSeconds: 0.2 }),
      ],
      client,
    );
    expect(run.code).toBe(0);
  }
  for (const name of names)
    await until(
      async () => (await spool(['queue', 'results', '--queue', queue, name], client)).code === 0,
      `job ${name}`,
      240_000,
    );
}

describe('fleet-wide rate limits', () => {
  it('pauses every worker when the provider answers 429 with Retry-After', async () => {
    await runJobs('p429', ['p1', 'p2', 'p3', 'p4'], 4, []);
    expect(limitedAt).toBeDefined();
    const at = limitedAt as number;
    // Requests that had passed the gate before the pause began may still land just after it.
    const during = requests.filter((r) => r.at > at + 400 && r.at < at + 1_800);
    expect(during).toEqual([]);
    expect(requests.filter((r) => r.at >= at + 1_800).length).toBeGreaterThan(0);
    const logs = workers.map((w) => w.output()).join('\n');
    expect(logs).toContain('openai answered 429: the fleet pauses its requests and the queue for 2000 ms');
    for (const name of ['p1', 'p2', 'p3', 'p4']) {
      const result = JSON.parse(
        (await spool(['queue', 'results', '--queue', 'p429', name, '--json'], client)).stdout,
      );
      expect(result).toMatchObject({ status: 'completed', final_message: `done ${name}` });
    }
  }, 300_000);

  it('holds a requests-per-minute cap across workers', async () => {
    const from = requests.length;
    await runJobs('cap', ['c1', 'c2', 'c3'], 2, [
      '-c',
      'queue.rate_limits.openai.requests_per_minute=120',
      '-c',
      'queue.rate_limits.openai.window_ms=1000',
    ]);
    const times = requests
      .slice(from)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(times.length).toBe(9);
    // At most 2 requests per second fleet-wide: any 3 in a row span (almost) a second.
    for (let i = 0; i + 2 < times.length; i++)
      expect((times[i + 2] as number) - (times[i] as number)).toBeGreaterThan(850);
    expect(emu.problems).toEqual([]);
  }, 300_000);
});
