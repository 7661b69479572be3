/**
 * `spool eval incidents`: a reviewer measured on past incidents. For each case (concurrently, each
 * in its own checkout): the culprit change is reviewed through the same code path as `spool review`
 * (review/run.ts), its findings are matched to the culprit locations (matching.ts), optionally a
 * judge says whether a finding would have prevented the incident (judge.ts), and tokens, cost and
 * time are counted. A case that fails is reported as failed; the run goes on.
 *
 * Every case's model exchanges are recorded (the reviewer's and the judge's sessions, copied as
 * `<label>.review.jsonl` / `<label>.judge.jsonl`); `offline` re-runs from them through the replay
 * server instead of a model, with identical results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Runtime } from '../config/runtime.js';
import { createModelClient } from '../model/client-factory.js';
import { costOf, priceOf } from '../model/prices.js';
import type { ModelClient } from '../model/types.js';
import type { ReviewFinding } from '../protocol/review.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { runReview } from '../review/run.js';
import { findSession } from '../store/find.js';
import { checkoutCase } from './checkout.js';
import { type IncidentCase, isReadable, readCorpus, type UnreadableCase } from './corpus.js';
import { askJudge, type JudgeVerdict, judgePrompt } from './judge.js';
import { matchFindings } from './matching.js';
import { type CaseNumbers, type Overall, overall } from './metrics.js';
import { readRecording } from './recording.js';
import { startReplayServer } from './replay-server.js';

export interface IncidentRunOptions {
  corpusDir: string;
  /**
   * The runtime for a checkout: the configuration of the run (model, `-c` overrides) in `cwd`;
   * `model` replaces the run's model (the judge's, or a recording's when offline).
   */
  runtimeFor: (cwd: string, model?: string) => Runtime;
  /** The run's name in reports and recordings (e.g. the model and a digest of the overrides). */
  label: string;
  /** The `-c` overrides, for the report. */
  config: string[];
  judgeModel?: string;
  concurrency: number;
  /** Lines of slack on each side when matching a finding to a culprit range. */
  tolerance: number;
  offline: boolean;
  /** Where recordings of this run go (and, with `recordIntoCorpus`, also into each case's folder). */
  outDir: string;
  recordIntoCorpus?: boolean;
  onCaseDone?: (report: CaseReport) => void;
}

export interface CaseReport {
  id: string;
  title: string;
  severity: string;
  status: 'caught' | 'missed' | 'failed';
  error?: string;
  review_id?: string;
  /** The first finding that matches a culprit location (by priority), with its 1-based number. */
  matching_finding?: ReviewFinding & { number: number };
  false_positives: Array<ReviewFinding & { number: number }>;
  findings: number;
  true_positives: number;
  /** With a judge: its verdict (a catch needs a matching finding and `prevented`), or why there is none. */
  judge?: JudgeVerdict | { error: string };
  tokens: { input: number; cached_input: number; output: number };
  cost_usd: number | null;
  duration_ms: number;
  notes: string[];
  culprit_locations: Array<{ path: string; lines: [number, number] }>;
  provenance: Record<string, unknown>;
}

export interface RunReport {
  label: string;
  model: string;
  judge_model?: string;
  config: string[];
  mode: 'online' | 'offline';
  corpus: string;
  tolerance: number;
  started_at: string;
  duration_ms: number;
  cases: CaseReport[];
  overall: Overall;
}

function recordingFile(dir: string, label: string, kind: 'review' | 'judge'): string {
  return path.join(dir, `${label}.${kind}.jsonl`);
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

function numbered(
  findings: readonly ReviewFinding[],
  indices: number[],
): Array<ReviewFinding & { number: number }> {
  return indices.map((i) => ({ ...findings[i]!, number: i + 1 }));
}

function tokensOf(usage: Usage): CaseReport['tokens'] {
  return { input: usage.input_tokens, cached_input: usage.cached_input_tokens, output: usage.output_tokens };
}

/** A model client answering from a recording, and the server behind it. */
async function replayClient(
  file: string,
): Promise<{ model: string; client: (rt: Runtime) => ModelClient; close: () => Promise<void> }> {
  if (!fs.existsSync(file))
    throw new Error(`no recording ${file} (run the corpus online with --record first)`);
  const recording = readRecording(file);
  const server = await startReplayServer({ model: recording.meta.model, responses: recording.responses });
  return {
    model: recording.meta.model,
    client: (rt) =>
      createModelClient({
        endpoint: { ...rt.endpoint, baseURL: server.url, apiKey: 'replay', headers: {}, query: {} },
        wireApi: 'responses',
        providerId: rt.providerId,
      }),
    close: () => server.close(),
  };
}

/** Copies a recorded session (by id, from `home`) to the run's recordings (and the corpus). */
function keepRecording(home: string, sessionId: string, targets: string[]): void {
  const source = findSession(home, { id: sessionId }).path;
  for (const target of targets) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
  }
}

/** Zero retries: a retried request would not be in a recording the way it was served. */
function withHome(runtime: Runtime, home: string, offline: boolean): Runtime {
  return {
    ...runtime,
    home,
    settings: offline
      ? {
          ...runtime.settings,
          retry: { ...runtime.settings.retry, requestMaxRetries: 0, streamMaxRetries: 0 },
        }
      : runtime.settings,
  };
}

async function runCase(
  c: IncidentCase,
  options: IncidentRunOptions,
  scratch: string,
  home: string,
): Promise<CaseReport> {
  const started = performance.now();
  const base: CaseReport = {
    id: c.id,
    title: c.title,
    severity: c.severity,
    status: 'failed',
    false_positives: [],
    findings: 0,
    true_positives: 0,
    tokens: { input: 0, cached_input: 0, output: 0 },
    cost_usd: 0,
    duration_ms: 0,
    notes: [],
    culprit_locations: c.locations.map((l) => ({ path: l.path, lines: [l.start, l.end] })),
    provenance: c.provenance,
  };
  const recordings = path.join(c.dir, 'recordings');
  const outRecordings = path.join(options.outDir, 'recordings', c.id);
  const targets = (kind: 'review' | 'judge') => [
    recordingFile(outRecordings, options.label, kind),
    ...(options.recordIntoCorpus && !options.offline ? [recordingFile(recordings, options.label, kind)] : []),
  ];
  const closers: Array<() => Promise<void>> = [];
  let usage = emptyUsage();
  let cost: number | null = 0;
  const count = (runtime: Runtime, model: string, spent: Usage) => {
    usage = addUsage(usage, spent);
    const price = priceOf(model, runtime.settings.modelPrices);
    const usd = costOf(spent, price).usd;
    cost = cost === null || usd === null ? null : cost + usd;
  };
  let checkout: Awaited<ReturnType<typeof checkoutCase>> | undefined;
  try {
    checkout = await checkoutCase(c, scratch);
    const reviewReplay = options.offline
      ? await replayClient(recordingFile(recordings, options.label, 'review'))
      : undefined;
    if (reviewReplay) closers.push(reviewReplay.close);
    const runtime = withHome(options.runtimeFor(checkout.dir, reviewReplay?.model), home, options.offline);
    const outcome = await runReview(
      { target: checkout.target },
      { runtime, record: true, ...(reviewReplay ? { createModelClient: reviewReplay.client } : {}) },
    );
    count(runtime, outcome.model, outcome.usage);
    base.review_id = outcome.reviewId;
    base.notes = outcome.notes;
    if (!options.offline) keepRecording(home, outcome.reviewId, targets('review'));
    if (!outcome.result)
      throw new Error(
        outcome.error ? `the review failed: ${outcome.error.message}` : `the review ${outcome.status}`,
      );
    const findings = outcome.result.findings;
    const match = matchFindings(findings, c.locations, options.tolerance);
    base.findings = findings.length;
    base.true_positives = match.truePositives.length;
    base.false_positives = numbered(findings, match.falsePositives);
    if (match.matched !== undefined) base.matching_finding = numbered(findings, [match.matched])[0]!;
    let prevented = true;
    if (options.judgeModel) {
      const judgeReplay = options.offline
        ? await replayClient(recordingFile(recordings, options.label, 'judge'))
        : undefined;
      if (judgeReplay) closers.push(judgeReplay.close);
      const judgeRuntime = withHome(
        options.runtimeFor(checkout.dir, judgeReplay?.model ?? options.judgeModel),
        home,
        options.offline,
      );
      const judged = await askJudge(judgeRuntime, judgePrompt(c, findings), judgeReplay?.client);
      count(judgeRuntime, judgeRuntime.settings.model, judged.usage);
      if (!options.offline) keepRecording(home, judged.sessionId, targets('judge'));
      base.judge = judged.verdict ?? { error: judged.error ?? 'no verdict' };
      prevented = judged.verdict?.prevented ?? false;
    }
    base.status = match.matched !== undefined && prevented ? 'caught' : 'missed';
  } catch (err) {
    base.status = 'failed';
    base.error = (err as Error).message;
  } finally {
    for (const close of closers) await close();
    await checkout?.remove();
  }
  base.tokens = tokensOf(usage);
  base.cost_usd = cost;
  base.duration_ms = Math.round(performance.now() - started);
  options.onCaseDone?.(base);
  return base;
}

function unreadable(c: UnreadableCase): CaseReport {
  return {
    id: c.id,
    title: c.id,
    severity: '',
    status: 'failed',
    error: c.error,
    false_positives: [],
    findings: 0,
    true_positives: 0,
    tokens: { input: 0, cached_input: 0, output: 0 },
    cost_usd: 0,
    duration_ms: 0,
    notes: [],
    culprit_locations: [],
    provenance: {},
  };
}

export async function runIncidents(options: IncidentRunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const started = performance.now();
  const cases = readCorpus(options.corpusDir);
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-eval-')));
  // The run's own Spool home for the reviewer's and judge's sessions (the user's stats stay clean).
  const home = path.join(scratch, 'home');
  fs.mkdirSync(home);
  const reports = new Map<string, CaseReport>();
  try {
    await pool(cases, options.concurrency, async (c) => {
      reports.set(c.id, isReadable(c) ? await runCase(c, options, scratch, home) : unreadable(c));
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const ordered = cases.map((c) => reports.get(c.id)!);
  const numbers: CaseNumbers[] = ordered.map((r) => ({
    status: r.status,
    findings: r.findings,
    truePositives: r.true_positives,
    falsePositives: r.false_positives.length,
    tokens: r.tokens,
    costUsd: r.cost_usd,
  }));
  return {
    label: options.label,
    model: options.runtimeFor(options.corpusDir).settings.model,
    ...(options.judgeModel ? { judge_model: options.judgeModel } : {}),
    config: options.config,
    mode: options.offline ? 'offline' : 'online',
    corpus: path.resolve(options.corpusDir),
    tolerance: options.tolerance,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - started),
    cases: ordered,
    overall: overall(numbers),
  };
}
