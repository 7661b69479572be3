/**
 * A 10 MB tool-call argument streamed by the model through the built `spool exec` (issue 15, item 7):
 * wall time and peak RSS (VmHWM, polled from /proc) of the whole run, against the same run whose
 * model answers at once (baseline). The call is over `tool_arguments_max_bytes`, so the model is told
 * and answers; what is measured is reading the stream and keeping history small.
 *
 *   npm run build && npx tsx bench/huge-call.ts        (Linux: reads /proc)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { respond, type Step, say, startEmulator } from '../test/emulator/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const TEN_MB = 10 * 1024 * 1024;

function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function once(script: Step[]): Promise<{ ms: number; rss: number }> {
  const emulator = await startEmulator({ script });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-bench-huge-'));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/spool'), 'exec', '--skip-git-repo-check', '-s', 'read-only', '-C', dir, 'go'],
    {
      stdio: 'ignore',
      env: {
        ...process.env,
        OPENAI_BASE_URL: emulator.url,
        OPENAI_API_KEY: 'bench',
        SPOOL_HOME: path.join(dir, 'home'),
      },
    },
  );
  let rss = 0;
  const timer = setInterval(() => {
    rss = Math.max(rss, peakRss(child.pid ?? 0));
  }, 10);
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const ms = performance.now() - started;
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, rss };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const scenarios: Array<[string, () => Step[]]> = [
  ['baseline (answer at once)', () => [respond(say('done'))]],
  ...([65_536, TEN_MB + 100] as const).map((delta): [string, () => Step[]] => [
    `10 MB argument, ${delta > TEN_MB ? 'one delta' : '64 KiB deltas'}`,
    () => [
      respond({
        type: 'function_call',
        name: 'shell',
        arguments: JSON.stringify({ command: ['echo', 'A'.repeat(TEN_MB)] }),
        delta_size: delta,
      }),
      respond(say('understood')),
    ],
  ]),
];
const rows: string[] = [];
let base = { ms: 0, rss: 0 };
for (const [name, script] of scenarios) {
  const runs: Array<{ ms: number; rss: number }> = [];
  for (let i = 0; i < repeats; i++) runs.push(await once(script()));
  const result = { ms: median(runs.map((r) => r.ms)), rss: median(runs.map((r) => r.rss)) };
  if (rows.length === 0) base = result;
  rows.push(
    `| ${name} | ${Math.round(result.ms)} ms (${(result.ms / base.ms).toFixed(1)} ×) | ${Math.round(result.rss / 2 ** 20)} MB (+${Math.round((result.rss - base.rss) / 2 ** 20)} MB) |`,
  );
}
console.log(`| scenario (median of ${repeats}) | wall | peak RSS |\n| --- | --- | --- |\n${rows.join('\n')}`);
