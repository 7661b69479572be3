/**
 * The fleet's throughput: N review-shaped jobs against the emulator with a simulated model latency,
 * run by 1, 2 and 4 worker processes (one job at a time each) on this machine → jobs per minute and
 * the scaling ratio against one worker. Baseline, in the same run: the same jobs as plain
 * `spool exec review` (or `spool exec`) runs one after another (no queue, no worktree, no checkpoint).
 *
 *   npm run build && npx tsx bench/fleet.ts [--jobs 100] [--workers 1,2,4] [--latency-ms 40] [--kind exec|review]
 *
 * Each job reads the change the way a reviewer starts (`git log -1 --stat`, then the README), then
 * answers: `--kind review` submits real review jobs (the answer is findings as data); `--kind exec`
 * (the default) runs the same steps as exec jobs in a read-only sandbox.
 */

import os from 'node:os';
import { parseArgs } from 'node:util';
import { FleetQueue } from '../src/fleet/queue.js';
import { type RecordedRequest, respond, type Step, say, shellCall } from '../test/emulator/index.js';
import {
  fleetEnv,
  makeRepo,
  queueSettingsFor,
  startJobEmulator,
  startRedis,
  startWorker,
  stopWorker,
  until,
} from '../test/fleet/support.js';
import { runSpool } from '../test/support/spool-bin.js';
import { tempDir } from '../test/support/thread.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    workers: { type: 'string', default: '1,2,4' },
    'latency-ms': { type: 'string', default: '40' },
    kind: { type: 'string', default: 'exec' },
    baseline: { type: 'string', default: '10' },
  },
});
const JOBS = Number(values.jobs);
const WORKERS = String(values.workers).split(',').map(Number);
const LATENCY = Number(values['latency-ms']);
const KIND = values.kind === 'review' ? 'review' : 'exec';

/** A review's verdict as the reviewer is asked to give it (findings as data). */
const NO_FINDINGS = JSON.stringify({
  findings: [],
  overall_correctness: 'patch is correct',
  overall_explanation: 'The change is correct: no findings.',
  overall_confidence: 0.9,
});

/** A reviewer's first steps: two read-only commands, then the verdict. */
function reviewAnswer(request: RecordedRequest): Step | undefined {
  const input = (request.body?.input ?? []) as Array<Record<string, unknown>>;
  const outputs = input.filter((item) => item.type === 'function_call_output').length;
  const delay = { eventDelayMs: LATENCY };
  if (outputs === 0) return respond(shellCall('git log -1 --stat'), delay);
  if (outputs === 1) return respond(shellCall('head -c 2000 README.md'), delay);
  return respond(say(KIND === 'review' ? NO_FINDINGS : 'The change is correct: no findings.'), delay);
}

const startedAt = new Date().toISOString();
const redis = await startRedis();
const { emu, requests } = await startJobEmulator({ before: reviewAnswer });
const repo = makeRepo({ 'README.md': `# service\n${'Some documentation.\n'.repeat(50)}` });

function perMinute(jobs: number, ms: number): number {
  return (jobs / ms) * 60_000;
}

// Baseline: plain `spool exec`, one after another.
const baselineJobs = Math.min(Number(values.baseline), JOBS);
const baseStart = Date.now();
for (let i = 0; i < baselineJobs; i++) {
  const run = await runSpool(
    KIND === 'review'
      ? ['exec', 'review', '--commit', 'HEAD', '--json', '-C', repo, 'review the last commit']
      : ['exec', '--json', '--skip-git-repo-check', '-C', repo, 'review the last commit'],
    {
      env: { SPOOL_HOME: tempDir('spool-bench-home-'), OPENAI_BASE_URL: emu.url },
      timeoutMs: 600_000,
    },
  );
  if (run.code !== 0) throw new Error(`baseline exec failed: ${run.stderr}`);
}
const baselineRate = perMinute(baselineJobs, Date.now() - baseStart);

const rows: Array<{ workers: number; ms: number; rate: number }> = [];
for (const workers of WORKERS) {
  const queueName = `bench-${workers}`;
  const settings = { ...queueSettingsFor(redis.url), name: queueName };
  const queue = await FleetQueue.open(settings);
  for (let i = 0; i < JOBS; i++)
    await queue.submit(
      {
        kind: KIND,
        repo,
        ref: 'main',
        prompt: 'review the last commit',
        config: [],
        submitted_at: new Date().toISOString(),
      },
      { id: `b${workers}-${i}` },
    );
  const started = Date.now();
  const processes = Array.from({ length: workers }, (_, i) =>
    startWorker(fleetEnv(tempDir(`spool-bench-w${i}-`), emu.url, redis.url), ['--queue', queueName]),
  );
  await until(
    async () => (await queue.list(['completed', 'failed'], JOBS + 1)).length >= JOBS,
    `${JOBS} jobs with ${workers} workers`,
    3_600_000,
  );
  const ms = Date.now() - started;
  const failed = (await queue.list(['failed'], JOBS)).length;
  if (failed > 0) throw new Error(`${failed} jobs failed with ${workers} workers`);
  await Promise.all(processes.map((p) => stopWorker(p)));
  await queue.close();
  rows.push({ workers, ms, rate: perMinute(JOBS, ms) });
  console.log(`${workers} worker(s): ${JOBS} jobs in ${(ms / 1000).toFixed(1)} s`);
}

const one = rows.find((row) => row.workers === 1)?.rate ?? rows[0]?.rate ?? 1;
const load = os
  .loadavg()
  .map((n) => n.toFixed(1))
  .join(' / ');
console.log(
  `\nfleet: ${JOBS} ${KIND} jobs, model latency ${LATENCY} ms per streamed event, ${requests.length} model requests`,
);
console.log(
  `machine: ${os.cpus().length} cores, Node ${process.version}, load average ${load} (1/5/15 min) at the end; started ${startedAt}`,
);
console.log(
  `baseline: plain spool ${KIND === 'review' ? 'exec review' : 'exec'}, sequential: ${baselineRate.toFixed(1)} jobs/min (${baselineJobs} jobs)`,
);
console.log('| workers | wall time | jobs/min | scaling vs 1 worker | vs baseline |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows)
  console.log(
    `| ${row.workers} | ${(row.ms / 1000).toFixed(1)} s | ${row.rate.toFixed(1)} | ${(row.rate / one).toFixed(2)}× | ${(row.rate / baselineRate).toFixed(2)}× |`,
  );
await emu.close();
await redis.stop();
