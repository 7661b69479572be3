/**
 * Review jobs through the fleet and the real binary: `spool queue submit review` → a worker runs
 * `spool exec review --json` in the job's own checkout → the result holds the review's findings and
 * verdict as data, and the rendered review as its final message. Targets: the change against a base
 * branch (in a worktree of a local repository, and in a fresh clone of its URL, where the base is
 * only a remote branch until the runner makes it a local one), and the ref's own commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, respond, startEmulator } from '../emulator/index.js';
import { DIVIDE_BY_ZERO, makeRepo as makeReviewRepo, reviewAnswer } from '../review/helpers.js';
import { tempDir } from '../support/thread.js';
import {
  fleetEnv,
  type RedisServer,
  spool,
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

beforeAll(async () => {
  redis = await startRedis();
  // The reviewer answers every review with the one finding the fixture's change deserves.
  emu = await startEmulator({ script: () => respond(reviewAnswer([DIVIDE_BY_ZERO])) });
  client = fleetEnv(tempDir('spool-fleet-client-'), emu.url, redis.url);
  worker = startWorker(fleetEnv(tempDir('spool-fleet-w-'), emu.url, redis.url), [
    '--queue',
    'reviews',
    '--concurrency',
    '2',
  ]);
});

afterAll(async () => {
  if (worker) await stopWorker(worker);
  if (process.env.FLEET_DEBUG) console.log(worker.output());
  await emu?.close();
  await redis?.stop();
});

async function result(id: string): Promise<Record<string, unknown>> {
  const run = await until(
    async () => {
      const got = await spool(['queue', 'results', '--queue', 'reviews', id, '--json'], client);
      return got.code === 0 ? got : undefined;
    },
    `the result of ${id}`,
    240_000,
  );
  return JSON.parse((run as { stdout: string }).stdout);
}

describe('review jobs', () => {
  it("store the review's findings as data, against a base branch or of the ref's own commit", async () => {
    const fixture = makeReviewRepo();
    const jobs: Array<[string, string[]]> = [
      ['rev-worktree', ['--repo', fixture.repo, '--ref', 'feature', '--base', 'main']],
      ['rev-clone', ['--repo', `file://${fixture.repo}`, '--ref', 'feature', '--base', 'main']],
      ['rev-commit', ['--repo', fixture.repo, '--ref', 'feature', 'look closely at division']],
    ];
    for (const [id, args] of jobs) {
      const submitted = await spool(
        ['queue', 'submit', 'review', '--queue', 'reviews', '--id', id, ...args],
        client,
      );
      expect(submitted.stderr).toBe('');
      expect(submitted.stdout.trim()).toBe(id);
    }
    for (const [id] of jobs) {
      const done = await result(id);
      expect(done, id).toMatchObject({
        status: 'completed',
        kind: 'review',
        findings: {
          findings: [{ title: 'Guard against b = 0 in ratio', priority: 1 }],
          overall_correctness: 'patch is incorrect',
        },
      });
      expect(String(done.final_message)).toContain('Guard against b = 0 in ratio');
    }
    // What each reviewer was asked: the base branch's diff, or the commit's, with the extra instructions.
    const bodies = emu.requests.map((request) => JSON.stringify(request.body));
    expect(bodies.filter((body) => body.includes('return a / b;'))).toHaveLength(3);
    expect(bodies.filter((body) => body.includes('look closely at division'))).toHaveLength(1);
    expect(emu.problems).toEqual([]);
  }, 300_000);
});
