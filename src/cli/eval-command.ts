/**
 * `spool eval incidents CORPUS_DIR [--model M] [-c k=v …] [--concurrency N] [--judge MODEL]
 * [--out DIR] [--offline] [--record] [--label L] [--tolerance N] [--json]` (src/eval/incidents.ts).
 *
 * Writes into the output directory: `runs/<label>.json` (this run; earlier runs stay beside it),
 * `report.md` and `report.json` (this run) and `report.html` (every run there, side by side), and
 * `recordings/<case>/…` (this run's model exchanges). Prints the Markdown (or the JSON).
 *
 * Exit codes: 0 the run finished (failed cases are in the report), 1 no case could be evaluated,
 * 2 usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { exitForConfigError } from '../config/load.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadRuntime, type Runtime } from '../config/runtime.js';
import { isReadable, readCorpus } from '../eval/corpus.js';
import { type RunReport, runIncidents } from '../eval/incidents.js';
import { renderRunsHtml } from '../eval/report-html.js';
import { renderRunMarkdown } from '../eval/report-markdown.js';
import { sha256 } from '../model/request-digest.js';
import { terminalSafe } from '../text/terminal-safe.js';

export interface EvalIncidentsOptions extends CliFlags {
  corpus: string;
  judge?: string;
  concurrency?: string;
  out?: string;
  offline?: boolean;
  record?: boolean;
  label?: string;
  tolerance?: string;
  json?: boolean;
}

export interface EvalIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}

/** The model and a digest of the overrides: runs of one configuration share a label. */
function defaultLabel(model: string, config: readonly string[]): string {
  return config.length ? `${slug(model)}-${sha256(config.join('\n')).slice(0, 8)}` : slug(model);
}

/** Offline without a label: the one label every case has recordings for, if there is exactly one. */
function recordedLabel(corpus: string): string[] {
  const labels = new Set<string>();
  for (const c of readCorpus(corpus).filter(isReadable)) {
    const dir = path.join(c.dir, 'recordings');
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const m = /^(.*)\.review\.jsonl$/.exec(name);
      if (m) labels.add(m[1]!);
    }
  }
  return [...labels].sort();
}

function positiveInt(text: string | undefined, fallback: number, min: number): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : undefined;
}

function readRuns(dir: string): RunReport[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as RunReport);
}

export async function runEvalIncidents(options: EvalIncidentsOptions, io: EvalIo): Promise<number> {
  const say = (text: string) => io.stderr.write(`${terminalSafe(text)}\n`);
  const concurrency = positiveInt(options.concurrency, 2, 1);
  const tolerance = positiveInt(options.tolerance, 3, 0);
  if (concurrency === undefined) {
    say(`spool eval: --concurrency takes a number (1 or more), not ${options.concurrency}`);
    return 2;
  }
  if (tolerance === undefined) {
    say(`spool eval: --tolerance takes a number of lines (0 or more), not ${options.tolerance}`);
    return 2;
  }
  if (!fs.statSync(options.corpus, { throwIfNoEntry: false })?.isDirectory()) {
    say(`spool eval: ${options.corpus} is not a directory`);
    return 2;
  }
  const config = options.config ?? [];
  const runtimeFor = (cwd: string, model?: string): Runtime =>
    loadRuntime({ ...options, cwd, ...(model ? { model } : {}) }, io.env, { approvalPolicy: 'never' });
  let runtime: Runtime;
  try {
    runtime = runtimeFor(process.cwd());
  } catch (err) {
    return exitForConfigError(err, io.stderr, 'spool eval');
  }
  let label = options.label;
  if (!label && options.offline && !options.model && config.length === 0) {
    const labels = recordedLabel(options.corpus);
    if (labels.length > 1) {
      say(
        `spool eval: the corpus has recordings of several runs (${labels.join(', ')}): pick one with --label`,
      );
      return 2;
    }
    label = labels[0];
  }
  label = slug(label ?? defaultLabel(runtime.settings.model, config));
  if (!options.offline) {
    const keyProblem = missingKeyMessage(runtime.provider);
    if (keyProblem) {
      say(`spool eval: ${keyProblem} (or run from recordings with --offline)`);
      return 1;
    }
  }
  const out = path.resolve(options.out ?? 'spool-eval-report');
  fs.mkdirSync(path.join(out, 'runs'), { recursive: true });
  let report: RunReport;
  try {
    report = await runIncidents({
      corpusDir: options.corpus,
      runtimeFor,
      label,
      config,
      ...(options.judge ? { judgeModel: options.judge } : {}),
      concurrency,
      tolerance,
      offline: Boolean(options.offline),
      outDir: out,
      recordIntoCorpus: Boolean(options.record),
      onCaseDone: (c) => say(`spool eval: ${c.id}: ${c.status}${c.error ? ` (${c.error})` : ''}`),
    });
  } catch (err) {
    return exitForConfigError(err, io.stderr, 'spool eval');
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const markdown = renderRunMarkdown(report);
  fs.writeFileSync(path.join(out, 'runs', `${label}.json`), json);
  fs.writeFileSync(path.join(out, 'report.json'), json);
  fs.writeFileSync(path.join(out, 'report.md'), markdown);
  fs.writeFileSync(path.join(out, 'report.html'), renderRunsHtml(readRuns(path.join(out, 'runs'))));
  io.stdout.write(options.json ? json : markdown);
  say(`spool eval: wrote ${path.join(out, 'report.md')}, report.json and report.html`);
  return report.overall.evaluated === 0 ? 1 : 0;
}
