/**
 * `npm run bench`: every benchmark, each scenario in its own process (so peak RSS is its own),
 * with a baseline measured in the same run and ratios against it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.join(here, '..', 'node_modules', '.bin', 'tsx');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

interface Sample {
  mode: string;
  steps: number;
  wallMs: number;
  modelMs: number;
  toolMs: number;
  maxRssKb: number;
  requests: number;
}

function run(mode: string, steps: number): Sample {
  const out = execFileSync(tsx, [path.join(here, 'loop-session.ts'), mode, String(steps)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

execFileSync(tsx, [path.join(here, 'cache.ts')], { stdio: 'inherit' });
console.log(`loop overhead (median of ${REPEATS} runs per scenario)`);
for (const steps of [40, 150]) {
  const harness = Array.from({ length: REPEATS }, () => run('harness', steps));
  const baseline = Array.from({ length: REPEATS }, () => run('baseline', steps));
  const hWall = median(harness.map((s) => s.wallMs));
  const bWall = median(baseline.map((s) => s.wallMs));
  const hLoop = median(harness.map((s) => s.wallMs - s.modelMs - s.toolMs));
  const bLoop = median(baseline.map((s) => s.wallMs - s.modelMs - s.toolMs));
  const iterations = harness[0]!.requests;
  console.log(
    [
      `  ${steps} steps (${iterations} requests):`,
      `harness ${hWall.toFixed(0)} ms, bare SDK loop ${bWall.toFixed(0)} ms (ratio ${(hWall / bWall).toFixed(2)})`,
      `harness overhead ${(hLoop / iterations).toFixed(2)} ms/iteration vs bare ${(bLoop / iterations).toFixed(2)} ms/iteration`,
      `peak RSS harness ${(median(harness.map((s) => s.maxRssKb)) / 1024).toFixed(0)} MB, bare ${(median(baseline.map((s) => s.maxRssKb)) / 1024).toFixed(0)} MB`,
    ].join('\n    '),
  );
}
