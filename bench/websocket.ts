/**
 * The Responses WebSocket mode against HTTP, in the same run: the built `bin/spool exec` runs the
 * bench's scripted sessions (bench/peers/session.ts: one shell command per step) twice per length,
 * once as it is (HTTP, the whole history every request) and once with
 * `-c model_providers.openai.supports_websockets=true`, interleaved (the order alternates each
 * round), each against a fresh emulator. Figures: bytes sent to the model server (HTTP bodies, or
 * WebSocket messages), bytes per step (constant when the bytes of a session grow linearly with its
 * length), wall time, the median harness gap, the cache hit against the physical limit, peak RSS.
 *
 *   npm run build && npx tsx bench/websocket.ts
 *
 * Knobs: BENCH_STEPS (`40,150`), BENCH_REPEATS (3), BENCH_LONG_STEPS (500, once per transport; 0
 * skips), BENCH_NO_README=1 (print only), BENCH_SPOOL_BIN (another copy of the built `bin/spool`). Writes the marked section of bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Harness, spoolHarness } from './peers/harnesses.js';
import { runSession, type SessionResult } from './peers/session.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const LENGTHS = (env.BENCH_STEPS ?? '40,150').split(',').map(Number);
const REPEATS = Number(env.BENCH_REPEATS ?? 3);
const LONG = Number(env.BENCH_LONG_STEPS ?? 500);
const START =
  '<!-- bench:websocket:start (written by `npx tsx bench/websocket.ts`; edits inside are lost) -->';
const END = '<!-- bench:websocket:end -->';

const log = (line: string) => process.stderr.write(`${line}\n`);
const commit = execFileSync('git', ['log', '-1', '--format=%h'], { cwd: root, encoding: 'utf8' }).trim();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'spool-bench-ws-'));
const loadAtStart = os.loadavg()[0]!;

// BENCH_SPOOL_BIN: a copy of the build elsewhere, so the checkout can be rebuilt while this runs.
const http = spoolHarness(env.BENCH_SPOOL_BIN ?? path.join(root, 'bin', 'spool'), 'HTTP', scratch);
const socket: Harness = {
  ...http,
  id: 'spool-ws',
  label: 'WebSocket',
  session: (baseUrl, workdir) => {
    const launch = http.session(baseUrl, workdir);
    return { ...launch, args: [...launch.args, '-c', 'model_providers.openai.supports_websockets=true'] };
  },
};
const transports = [http, socket];

const results: SessionResult[] = [];
const describe = (s: SessionResult) =>
  s.ok
    ? `${(s.bytesSent / 1e6).toFixed(2)} MB sent, wall ${(s.wallMs / 1000).toFixed(2)} s, RSS ${(s.peakRssKb / 1024).toFixed(0)} MB`
    : `FAILED: ${s.error}`;

for (const h of transports) {
  const warm = await runSession(h, 2, scratch);
  if (!warm.ok) log(`${h.label}: warm-up failed: ${warm.error}`);
}
for (let round = 0; round < REPEATS; round++) {
  for (const steps of LENGTHS) {
    for (const h of round % 2 === 0 ? transports : [...transports].reverse()) {
      const result = await runSession(h, steps, scratch);
      results.push(result);
      log(`round ${round + 1}/${REPEATS}, ${steps} steps, ${h.label}: ${describe(result)}`);
    }
  }
}
if (LONG > 0) {
  for (const h of transports) {
    const result = await runSession(h, LONG, scratch);
    results.push(result);
    log(`${LONG} steps, ${h.label}: ${describe(result)}`);
  }
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const of = (id: string, steps: number) =>
  results.filter((r) => r.harness === id && r.steps === steps && r.ok);
const figure = (id: string, steps: number, pick: (r: SessionResult) => number) =>
  median(of(id, steps).map(pick));
const mb = (bytes: number) =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(0)} kB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const msCell = (ms: number) => `${ms.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

const rows: Array<[string, (r: SessionResult) => number, (v: number) => string, boolean]> = [
  ['bytes sent to the model', (r) => r.bytesSent, mb, true],
  ['bytes per step', (r) => r.bytesSent / r.steps, (v) => `${(v / 1e3).toFixed(1)} kB`, true],
  ['wall time', (r) => r.wallMs, secs, true],
  ['harness gap per iteration, median', (r) => median(r.gapsMs), msCell, true],
  ['cache hit ÷ physical limit', (r) => r.cachedTokens / r.cacheLimitTokens, (v) => v.toFixed(3), false],
  ['peak RSS, process tree', (r) => r.peakRssKb * 1024, mb, true],
];
const lengths = [...LENGTHS, ...(LONG > 0 ? [LONG] : [])];
const failed = results.filter((r) => !r.ok);
const lines = [
  START,
  '',
  `Commit \`${commit}\`, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${os.cpus().length} cores, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end. Medians of ${REPEATS} interleaved runs per transport and length${LONG > 0 ? `; the ${LONG}-step session once per transport` : ''}.`,
  '',
  `| | ${lengths.map((n) => `HTTP, ${n} steps | WebSocket, ${n} steps | WS ÷ HTTP`).join(' | ')} |`,
  `|---|${lengths.map(() => '---|---|---|').join('')}`,
  ...rows.map(([name, pick, show, ratioed]) => {
    const cells = lengths.map((n) => {
      const a = figure('spool', n, pick);
      const b = figure('spool-ws', n, pick);
      return `${show(a)} | ${show(b)} | ${ratioed ? ratio(b, a) : ''}`;
    });
    return `| ${name} | ${cells.join(' | ')} |`;
  }),
  '',
  ...marginal(),
  ...(failed.length > 0
    ? [`Failed runs: ${failed.map((f) => `${f.harness} ${f.steps}: ${f.error}`).join('; ')}`, '']
    : []),
  END,
];
const section = lines.join('\n');

/**
 * Bytes one more step costs, between consecutive lengths: constant when a session's bytes grow
 * linearly with its length (each request sends what is new), growing when every request resends
 * the history (quadratic).
 */
function marginal(): string[] {
  const out: string[] = [];
  for (let i = 1; i < lengths.length; i++) {
    const [a, b] = [lengths[i - 1]!, lengths[i]!];
    const per = (id: string) =>
      (figure(id, b, (r) => r.bytesSent) - figure(id, a, (r) => r.bytesSent)) / (b - a);
    out.push(
      `- one more step, between ${a} and ${b} steps: HTTP ${(per('spool') / 1e3).toFixed(1)} kB, WebSocket ${(per('spool-ws') / 1e3).toFixed(1)} kB`,
    );
  }
  return out.length > 0 ? [...out, ''] : [];
}
process.stdout.write(`${section}\n`);
mkdirSync(path.join(root, '.bench-out'), { recursive: true });
writeFileSync(path.join(root, '.bench-out', 'websocket.json'), `${JSON.stringify(results, null, 1)}\n`);
if (env.BENCH_NO_README !== '1') {
  const file = path.join(root, 'bench', 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  writeFileSync(
    file,
    start >= 0 && end > start
      ? `${text.slice(0, start)}${section}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n${section}\n`,
  );
}
rmSync(scratch, { recursive: true, force: true });
