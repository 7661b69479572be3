/**
 * `npm run bench:peers`: Spool side by side with pi and Codex CLI, installed from npm into a scratch
 * folder by the bench itself, on the same scripted sessions against the project's emulator, in one
 * run, interleaved (the order rotates every round), medians of BENCH_REPEATS runs. Writes the
 * table with the commit into bench/README.md (a marked section) and the raw runs to .bench-out/.
 *
 *   BENCH_REPEATS=3            runs per harness and session length
 *   BENCH_STEPS=40,150         session lengths (tool calls, plus a final answer)
 *   BENCH_LONG_STEPS=1000      one more, longer session per harness, run once (0: none)
 *   BENCH_STARTUP_REPEATS=10   `--version` runs per harness
 *   BENCH_PEERS=pi,codex       which peers (empty: Spool alone)
 *   BENCH_PI_VERSION=0.73.1, BENCH_CODEX_VERSION=0.169.0
 *   BENCH_PEERS_DIR=~/.cache/spool-bench-peers   where peers are installed and sessions run
 *   BENCH_NO_README=1          print the table, leave bench/README.md alone
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codexHarness, type Harness, type Launch, piHarness, spoolHarness } from './harnesses.js';
import { installPeers } from './install.js';
import { type BenchRun, type HarnessColumn, renderSection, writeSection } from './report.js';
import { runBareNodeRequest, runSession, runVersion, type SessionResult } from './session.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = process.env;
const numbers = (text: string) =>
  text
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
const REPEATS = Number(env.BENCH_REPEATS ?? 3);
const LENGTHS = numbers(env.BENCH_STEPS ?? '40,150');
const LONG = Number(env.BENCH_LONG_STEPS ?? 1000);
const STARTUP_REPEATS = Number(env.BENCH_STARTUP_REPEATS ?? 10);
const PEERS = (env.BENCH_PEERS ?? 'pi,codex').split(',').filter((p) => p.trim() !== '');
const peersDir =
  env.BENCH_PEERS_DIR ??
  path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'spool-bench-peers');

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

/** Rotates the list by `by`, so no harness always runs first (or right after another's session). */
function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

const loadAtStart = os.loadavg()[0]!;
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : ' (with uncommitted changes)'}`;
const scratch = path.join(peersDir, `run-${process.pid}`);
mkdirSync(scratch, { recursive: true });

const installs =
  PEERS.length > 0
    ? await installPeers(path.join(peersDir, 'npm'), {
        pi: env.BENCH_PI_VERSION ?? '0.73.1',
        codex: env.BENCH_CODEX_VERSION ?? '0.169.0',
      })
    : undefined;
const harnesses: Harness[] = [
  spoolHarness(path.join(root, 'bin', 'spool'), `Spool ${commit.split(' ')[0]}`, scratch),
];
if (installs && PEERS.includes('pi')) harnesses.push(piHarness(installs.pi, scratch));
if (installs && PEERS.includes('codex')) harnesses.push(codexHarness(installs.codex, scratch));
for (const h of harnesses)
  if (h.unavailable) log(`${h.label}: cannot run (${h.unavailable}); measuring the rest`);
const runnable = harnesses.filter((h) => !h.unavailable);

const columns: HarnessColumn[] = harnesses.map((h) => ({
  id: h.id,
  label: h.label,
  ...(h.unavailable ? { unavailable: h.unavailable } : {}),
  versionMs: [],
}));
const column = (id: string) => columns.find((c) => c.id === id)!;
const sessions: SessionResult[] = [];
const nodeBaselineMs: number[] = [];
const bareRequestMs: number[] = [];

// Warm-up, not counted: first runs fill the page cache and create each harness's home.
for (const h of runnable) {
  await runVersion(h.version(scratch), path.join(scratch, `${h.id}-warmup-version`));
  const warm = await runSession(h, 2, scratch);
  if (!warm.ok) log(`${h.label}: warm-up session failed: ${warm.error}`);
}

log(`start-up: ${STARTUP_REPEATS} rounds of node -e 0 and each --version`);
const bareNode: Launch = { file: process.execPath, args: ['-e', '0'], env: { PATH: env.PATH }, cwd: scratch };
for (let round = 0; round < STARTUP_REPEATS; round++) {
  const node = await runVersion(bareNode, path.join(scratch, 'node-e-0'));
  nodeBaselineMs.push(node.ms);
  for (const h of rotate(runnable, round)) {
    const result = await runVersion(h.version(scratch), path.join(scratch, `${h.id}-version`));
    if (result.error) column(h.id).versionError = result.error;
    else column(h.id).versionMs.push(result.ms);
  }
}

const describe = (s: SessionResult) =>
  s.ok
    ? `wall ${(s.wallMs / 1000).toFixed(2)} s, gap ${s.gapsMs.length ? [...s.gapsMs].sort((a, b) => a - b)[Math.floor(s.gapsMs.length / 2)]!.toFixed(1) : '?'} ms, RSS ${(s.peakRssKb / 1024).toFixed(0)} MB, first request ${s.launchToFirstRequestMs.toFixed(0)} ms`
    : `FAILED: ${s.error}`;

for (let round = 0; round < REPEATS; round++) {
  for (const steps of LENGTHS) {
    bareRequestMs.push(await runBareNodeRequest(scratch));
    for (const h of rotate(runnable, round + steps)) {
      const result = await runSession(h, steps, scratch);
      sessions.push(result);
      log(`round ${round + 1}/${REPEATS}, ${steps} steps, ${h.label}: ${describe(result)}`);
    }
  }
}
if (LONG > 0) {
  for (const h of runnable) {
    const result = await runSession(h, LONG, scratch);
    sessions.push(result);
    log(`${LONG} steps, ${h.label}: ${describe(result)}`);
  }
}

const run: BenchRun = {
  commit,
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  machine: `${os.cpus().length} cores, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end`,
  repeats: REPEATS,
  lengths: LENGTHS,
  ...(LONG > 0 ? { longLength: LONG } : {}),
  harnesses: columns,
  nodeBaselineMs,
  bareRequestMs,
  sessions,
};
const section = renderSection(run);
process.stdout.write(`${section}\n`);
const out = path.join(root, '.bench-out');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'peers.json'), `${JSON.stringify(run, null, 1)}\n`);
if (env.BENCH_NO_README !== '1') writeSection(path.join(root, 'bench', 'README.md'), section);
rmSync(scratch, { recursive: true, force: true });
