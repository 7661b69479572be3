/**
 * Turns the runs into the side-by-side table (medians per harness, Spool's ratios against each
 * peer) and the check of issue 18's goals, and rewrites the marked section of bench/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { SessionResult } from './session.js';
import { mean, median } from './stats.js';

export const SECTION_START =
  '<!-- bench:peers:start (written by `npm run bench:peers`; edits inside are lost) -->';
export const SECTION_END = '<!-- bench:peers:end -->';

export interface HarnessColumn {
  id: string;
  label: string;
  unavailable?: string;
  versionMs: number[];
  versionError?: string;
}

export interface BenchRun {
  commit: string;
  date: string;
  machine: string;
  repeats: number;
  lengths: number[];
  longLength?: number;
  harnesses: HarnessColumn[];
  nodeBaselineMs: number[];
  bareRequestMs: number[];
  sessions: SessionResult[];
}

type Value = { value: number } | { error: string };

const ok = (value: number): Value => (Number.isFinite(value) ? { value } : { error: 'n/a' });

function sessionsOf(run: BenchRun, harness: string, steps: number): SessionResult[] {
  return run.sessions.filter((s) => s.harness === harness && s.steps === steps);
}

/** A per-session figure, as the median over the harness's successful sessions of that length. */
function figure(run: BenchRun, harness: string, steps: number, pick: (s: SessionResult) => number): Value {
  const column = run.harnesses.find((h) => h.id === harness);
  if (column?.unavailable) return { error: column.unavailable };
  const all = sessionsOf(run, harness, steps);
  const good = all.filter((s) => s.ok);
  if (good.length === 0) return { error: all[0]?.error ?? 'not run' };
  return ok(median(good.map(pick)));
}

function launchFigure(run: BenchRun, harness: string): Value {
  const column = run.harnesses.find((h) => h.id === harness);
  if (column?.unavailable) return { error: column.unavailable };
  const good = run.sessions.filter((s) => s.harness === harness && s.ok);
  if (good.length === 0) return { error: 'no successful session' };
  return ok(median(good.map((s) => s.launchToFirstRequestMs)));
}

function versionFigure(column: HarnessColumn): Value {
  if (column.unavailable) return { error: column.unavailable };
  if (column.versionError) return { error: column.versionError };
  return ok(median(column.versionMs));
}

const ms = (v: number) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const bytes = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);
const fraction = (f: number) => f.toFixed(3);
const seconds = (v: number) => `${(v / 1000).toFixed(2)} s`;

function cell(v: Value, format: (n: number) => string): string {
  if ('error' in v) return `— (${v.error.replace(/\|/g, '/').slice(0, 80)})`;
  return format(v.value);
}

function ratio(a: Value, b: Value): string {
  if ('error' in a || 'error' in b || b.value === 0) return '—';
  return `${(a.value / b.value).toFixed(2)}×`;
}

interface Row {
  name: string;
  values: Value[];
  format: (n: number) => string;
}

function table(run: BenchRun, rows: Row[]): string[] {
  const peers = run.harnesses.slice(1);
  const header = [
    '',
    ...run.harnesses.map((h) => h.label),
    ...peers.map((p) => `Spool ÷ ${p.label.split(' ')[0]}`),
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const [spool, ...others] = row.values;
    const cells = [
      row.name,
      ...row.values.map((v) => cell(v, row.format)),
      ...others.map((o) => ratio(spool!, o)),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function lengthsOf(run: BenchRun): number[] {
  return run.longLength ? [...run.lengths, run.longLength] : run.lengths;
}

export function renderSection(run: BenchRun): string {
  const ids = run.harnesses.map((h) => h.id);
  const per = (steps: number, pick: (s: SessionResult) => number) =>
    ids.map((id) => figure(run, id, steps, pick));
  const rows: Row[] = [];
  for (const steps of run.lengths) {
    rows.push({
      name: `harness gap per iteration, median (${steps} steps)`,
      values: per(steps, (s) => median(s.gapsMs)),
      format: ms,
    });
  }
  const main = run.lengths.at(-1)!;
  rows.push(
    { name: `↳ mean (${main} steps)`, values: per(main, (s) => mean(s.gapsMs)), format: ms },
    {
      name: `↳ first tool call (${main} steps)`,
      values: per(main, (s) => s.gapsMs[0] ?? Number.NaN),
      format: ms,
    },
    {
      name: `↳ answer end → command start (${main} steps)`,
      values: per(main, (s) => median(s.beforeCommandMs)),
      format: ms,
    },
    {
      name: `↳ command end → next request (${main} steps)`,
      values: per(main, (s) => median(s.afterCommandMs)),
      format: ms,
    },
    {
      name: `(wall − stream − command) ÷ requests (${main} steps)`,
      values: per(main, (s) => (s.wallMs - s.streamMs - s.commandMs) / s.requests),
      format: ms,
    },
  );
  for (const steps of lengthsOf(run)) {
    rows.push({
      name: `peak RSS, process tree (${steps} steps)`,
      values: per(steps, (s) => s.peakRssKb),
      format: mb,
    });
  }
  rows.push(
    { name: '`--version`', values: run.harnesses.map(versionFigure), format: ms },
    { name: 'launch → first model request', values: ids.map((id) => launchFigure(run, id)), format: ms },
  );
  for (const steps of lengthsOf(run)) {
    rows.push({
      name: `bytes sent to the model (${steps} steps)`,
      values: per(steps, (s) => s.bytesSent),
      format: bytes,
    });
  }
  for (const steps of run.lengths) {
    rows.push({
      name: `cache hit ÷ physical limit (${steps} steps)`,
      values: per(steps, (s) =>
        s.cacheLimitTokens === 0 ? Number.NaN : s.cachedTokens / s.cacheLimitTokens,
      ),
      format: fraction,
    });
  }
  for (const steps of lengthsOf(run)) {
    rows.push({ name: `wall time (${steps} steps)`, values: per(steps, (s) => s.wallMs), format: seconds });
  }

  const nodeMs = median(run.nodeBaselineMs);
  const bareMs = median(run.bareRequestMs);
  const failures = run.sessions.filter((s) => !s.ok);
  const lines = [
    SECTION_START,
    '',
    `Commit \`${run.commit}\`, ${run.date}; ${run.machine}. Medians of ${run.repeats} interleaved runs per harness and length` +
      (run.longLength ? `; the ${run.longLength}-step session once per harness.` : '.'),
    `Baselines in the same run: bare \`node -e 0\` ${ms(nodeMs)}; a bare \`node\` that POSTs one request: launch → request ${ms(bareMs)}.`,
    '',
    ...table(run, rows),
    '',
    ...goals(run, nodeMs, bareMs),
  ];
  if (failures.length > 0) {
    lines.push('', `Failed sessions (left out of the medians): ${failures.length}.`);
    for (const f of failures.slice(0, 6)) lines.push(`- ${f.harness}, ${f.steps} steps: ${f.error}`);
  }
  lines.push('', SECTION_END);
  return lines.join('\n');
}

function goals(run: BenchRun, nodeMs: number, bareMs: number): string[] {
  const spool = run.harnesses[0]!;
  const main = run.lengths.at(-1)!;
  const rss = lengthsOf(run).map((steps) => ({ steps, v: figure(run, 'spool', steps, (s) => s.peakRssKb) }));
  const rssMain = figure(run, 'spool', main, (s) => s.peakRssKb);
  const version = versionFigure(spool);
  const launch = launchFigure(run, 'spool');
  const gap = figure(run, 'spool', main, (s) => median(s.gapsMs));
  const piGap = run.harnesses.some((h) => h.id === 'pi')
    ? figure(run, 'pi', main, (s) => median(s.gapsMs))
    : ({ error: 'pi not measured' } as Value);
  const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'met' : '**missed**');
  const val = (v: Value) => ('value' in v ? v.value : undefined);
  const rssValues = rss.map((r) => val(r.v));
  const known = rssValues.filter((v): v is number => v !== undefined);
  const spread = known.length > 1 ? Math.max(...known) - Math.min(...known) : undefined;
  const under = (v: number | undefined, limit: number) => (v === undefined ? undefined : v <= limit);
  return [
    "Issue 18's goals for Spool, from the figures above:",
    '',
    '| goal | target | Spool | |',
    '|---|---|---|---|',
    `| peak RSS, ${main} steps | ≤ 100 MB | ${cell(rssMain, mb)} | ${verdict(under(val(rssMain), 100 * 1024))} |`,
    `| RSS flat in session length | ${rss.map((r) => r.steps).join(' / ')} steps all ≤ 100 MB | ${rss.map((r) => cell(r.v, mb)).join(' / ')}${spread === undefined ? '' : ` (spread ${mb(spread)})`} | ${verdict(known.length === rss.length ? known.every((v) => v <= 100 * 1024) : undefined)} |`,
    `| \`--version\` | ≤ node -e 0 + 20 ms = ${ms(nodeMs + 20)} | ${cell(version, ms)} | ${verdict(under(val(version), nodeMs + 20))} |`,
    `| launch → first request | ≤ bare node + 100 ms = ${ms(bareMs + 100)} | ${cell(launch, ms)} | ${verdict(under(val(launch), bareMs + 100))} |`,
    `| harness gap per iteration, ${main} steps | ≤ 0.8 × pi's = ${'value' in piGap ? ms(0.8 * piGap.value) : 'n/a'} | ${cell(gap, ms)} (${ratio(gap, piGap)} pi's) | ${verdict('value' in piGap && 'value' in gap ? gap.value <= 0.8 * piGap.value : undefined)} |`,
  ];
}

/** Replaces the marked section of `file` (appending it when the markers are missing). */
export function writeSection(file: string, section: string): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  const next =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${section}${text.slice(end + SECTION_END.length)}`
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}
