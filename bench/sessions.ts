/**
 * `spool sessions` over 10,000 sessions, as a user runs it (the built binary, output discarded):
 *
 * - cold: no index (first run, or index deleted): every rollout is scanned and the index written;
 * - warm: the index is current: one stat per session, no rollout read;
 * - warm after growth: 100 sessions grew since the index was written (they are re-scanned from
 *   where their summaries stopped);
 * - baselines in the same run: `spool --version` (process start-up and the CLI, no listing), and a
 *   bare `node` that reads and parses the index file and prints it (the least any listing can do).
 *
 *   npm run build && npx tsx bench/sessions.ts [count]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexPath } from '../src/store/paths.js';
import { generateSessions } from '../test/store/generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const spool = path.join(here, '..', 'bin', 'spool');
const count = Number(process.argv[2] ?? 10_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  execFileSync(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-bench-sessions-'));
try {
  const genStart = performance.now();
  const sessions = generateSessions(home, count, ['/work/a', '/work/b', '/work/c']);
  const bytes = sessions.reduce((sum, s) => sum + fs.statSync(s.path).size, 0);
  console.log(
    `${count} sessions, ${(bytes / 1024 / 1024).toFixed(1)} MB of rollouts (generated in ${(performance.now() - genStart).toFixed(0)} ms)`,
  );
  const env = { SPOOL_HOME: home };
  const list = [spool, 'sessions', '--json'];

  const cold = Array.from({ length: Math.max(1, Math.floor(REPEATS / 2)) }, () => {
    fs.rmSync(indexPath(home), { force: true });
    return timed(list, env);
  });
  const warm = Array.from({ length: REPEATS }, () => timed(list, env));
  const grown = Array.from({ length: REPEATS }, (_, round) => {
    for (const session of sessions.slice(round * 100, round * 100 + 100)) {
      fs.appendFileSync(session.path, fs.readFileSync(session.path, 'utf8').split('\n').slice(4).join('\n'));
    }
    return timed(list, env);
  });
  const version = Array.from({ length: REPEATS }, () => timed([spool, '--version'], env));
  const readIndex = `const t=require('fs').readFileSync(${JSON.stringify(indexPath(home))},'utf8');process.stdout.write(JSON.stringify(t.trimEnd().split('\\n').map(l=>JSON.parse(l))))`;
  const bare = Array.from({ length: REPEATS }, () => timed(['-e', readIndex], env));

  const indexMb = fs.statSync(indexPath(home)).size / 1024 / 1024;
  const row = (name: string, values: number[]) =>
    console.log(
      `  ${name.padEnd(44)} ${median(values).toFixed(0).padStart(6)} ms  (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`,
    );
  console.log(`spool sessions --json (median; index ${indexMb.toFixed(1)} MB):`);
  row('cold (index rebuilt from every rollout)', cold);
  row('warm (index current)', warm);
  row('warm, 100 sessions grew since', grown);
  row('baseline: spool --version', version);
  row('baseline: node reading + parsing the index only', bare);
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
