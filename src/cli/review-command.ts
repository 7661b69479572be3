/**
 * `spool review` and `spool exec review`: review a change and print the findings — Markdown for
 * people (default), `--json` (the `exec --json` event stream, the findings on the review's item),
 * `--format json|sarif|github` (a document), `-o FILE` (the same document, or with `--json` the
 * findings). `--fail-on P1` exits 3 when a finding at or above that priority remains.
 * `spool review feedback` and `spool review stats` measure how the findings were received.
 *
 * Exit codes: 0 reviewed, 1 the review failed, 2 usage error, 3 `--fail-on` tripped, 130/143 stopped.
 */
import fs from 'node:fs';
import { exitForConfigError } from '../config/load.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadRuntime, type Runtime } from '../config/runtime.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { ReviewTarget } from '../protocol/review.js';
import { emptyUsage } from '../protocol/usage.js';
import { parseDiff } from '../review/diff-lines.js';
import { renderGithubReview } from '../review/render-github.js';
import { renderSarif } from '../review/render-sarif.js';
import { prepareReview, type ReviewOutcome, runPreparedReview } from '../review/run.js';
import { ReviewRequestError } from '../review/target.js';
import { SessionStoreError } from '../store/errors.js';
import { terminalSafe } from '../text/terminal-safe.js';
import { VERSION } from '../version.js';
import { guardOutputs, type TextOutput } from './closed-output.js';
import type { ExecIo } from './exec.js';
import { createHumanFormatter } from './exec-human.js';
import { ExecJsonProjector } from './exec-jsonl.js';
import { EXIT } from './exit-codes.js';

export const REVIEW_FORMATS = ['markdown', 'json', 'sarif', 'github'] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

/** `--fail-on` tripped: a finding at or above the given priority remains. */
const EXIT_FINDINGS = 3;

export interface ReviewOptions extends CliFlags {
  uncommitted?: boolean;
  base?: string;
  commit?: string;
  title?: string;
  /** Custom instructions alone, or added to a target; `-` reads them from stdin. */
  prompt?: string;
  json?: boolean;
  format?: string;
  outputFile?: string;
  failOn?: string;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `P1`, `p1` or `1` → 1. */
function parsePriority(text: string): number | undefined {
  const m = /^p?([0-3])$/i.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

type Parsed = { target: ReviewTarget; instructions?: string } | { usage: string };

/** The target and extra instructions the flags ask for (Codex's rules, plus instructions with a target). */
async function targetFrom(options: ReviewOptions, io: Pick<ExecIo, 'stdin'>): Promise<Parsed> {
  const chosen = [options.uncommitted, options.base !== undefined, options.commit !== undefined].filter(
    Boolean,
  );
  if (chosen.length > 1) return { usage: '--uncommitted, --base and --commit cannot be combined' };
  if (options.title !== undefined && options.commit === undefined) return { usage: '--title needs --commit' };
  let prompt = options.prompt;
  if (prompt === '-') prompt = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  const instructions = prompt?.trim() ? prompt.trim() : undefined;
  if (options.uncommitted)
    return { target: { type: 'uncommittedChanges' }, ...(instructions ? { instructions } : {}) };
  if (options.base !== undefined)
    return {
      target: { type: 'baseBranch', branch: options.base },
      ...(instructions ? { instructions } : {}),
    };
  if (options.commit !== undefined)
    return {
      target: { type: 'commit', sha: options.commit, ...(options.title ? { title: options.title } : {}) },
      ...(instructions ? { instructions } : {}),
    };
  if (prompt !== undefined) {
    if (!instructions) return { usage: 'the review prompt must not be empty' };
    return { target: { type: 'custom', instructions } };
  }
  return { usage: 'specify --uncommitted, --base BRANCH, --commit SHA, or custom review instructions' };
}

/** The review document for `--format`, or for `-o` alongside `--json`. */
function document(format: ReviewFormat, outcome: ReviewOutcome): string {
  switch (format) {
    case 'markdown':
      return outcome.review;
    case 'json':
      return `${JSON.stringify(
        {
          review_id: outcome.reviewId,
          model: outcome.model,
          target: outcome.target,
          status: outcome.status,
          ...(outcome.result ?? {
            findings: null,
            overall_correctness: null,
            overall_explanation: null,
            overall_confidence: null,
          }),
          notes: outcome.notes,
          ...(outcome.error ? { error: outcome.error.message } : {}),
        },
        null,
        2,
      )}\n`;
    case 'sarif':
      return `${JSON.stringify(
        renderSarif({
          result: outcome.result,
          reviewId: outcome.reviewId,
          root: outcome.root,
          toolVersion: VERSION,
          hint: outcome.hint,
        }),
        null,
        2,
      )}\n`;
    case 'github':
      return `${JSON.stringify(
        renderGithubReview({
          result: outcome.result,
          reviewId: outcome.reviewId,
          hint: outcome.hint,
          diff: parseDiff(outcome.diff.diff),
          notes: outcome.notes,
          ...(outcome.error ? { failure: `The review failed: ${outcome.error.message}` } : {}),
        }),
        null,
        2,
      )}\n`;
  }
}

export async function runReviewCommand(
  options: ReviewOptions,
  io: ExecIo,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  // A closed stdout or stderr (`spool exec review --json … | head -1`) stops the review quietly.
  const guarded = guardOutputs(io);
  try {
    const code = await runGuardedReview(options, { ...io, ...guarded.io }, signals, (listener) =>
      guarded.onClosed(listener),
    );
    return guarded.closed() ? EXIT.outputClosed : code;
  } finally {
    guarded.dispose();
  }
}

async function runGuardedReview(
  options: ReviewOptions,
  io: Pick<ExecIo, 'stdin' | 'env'> & { stdout: TextOutput; stderr: TextOutput },
  signals: NodeJS.EventEmitter,
  onOutputClosed: (listener: () => void) => void,
): Promise<number> {
  const say = (line: string) => io.stderr.write(`${terminalSafe(line)}\n`);
  const format = (options.format ?? 'markdown') as ReviewFormat;
  if (!REVIEW_FORMATS.includes(format)) {
    say(`spool review: --format takes ${REVIEW_FORMATS.join(', ')}, not ${options.format}`);
    return EXIT.usage;
  }
  const failOn = options.failOn === undefined ? undefined : parsePriority(options.failOn);
  if (options.failOn !== undefined && failOn === undefined) {
    say(`spool review: --fail-on takes a priority P0–P3, not ${options.failOn}`);
    return EXIT.usage;
  }
  const parsed = await targetFrom(options, io);
  if ('usage' in parsed) {
    say(`spool review: ${parsed.usage}`);
    return EXIT.usage;
  }
  let runtime: Runtime;
  try {
    runtime = loadRuntime(options, io.env, { approvalPolicy: 'never' });
  } catch (err) {
    return exitForConfigError(err, io.stderr);
  }
  if (!fs.existsSync(runtime.settings.cwd) || !fs.statSync(runtime.settings.cwd).isDirectory()) {
    say(`spool: working directory ${runtime.settings.cwd} does not exist`);
    return EXIT.usage;
  }
  for (const warning of runtime.warnings) say(`spool: warning: ${warning}`);
  const keyProblem = missingKeyMessage(runtime.provider);
  if (keyProblem) {
    say(`spool: ${keyProblem}`);
    return EXIT.failed;
  }
  let prepared: Awaited<ReturnType<typeof prepareReview>>;
  try {
    prepared = await prepareReview(parsed, { runtime });
  } catch (err) {
    if (!(err instanceof ReviewRequestError)) throw err;
    say(`spool review: ${err.message}`);
    return EXIT.usage;
  }

  const projector = new ExecJsonProjector();
  const human = createHumanFormatter();
  const print = (event: SpoolEvent) => {
    if (options.json) {
      for (const line of projector.project(event)) io.stdout.write(`${JSON.stringify(line)}\n`);
      if (event.type === 'warning') say(`warning: ${event.message}`);
    } else {
      const text = human(event);
      if (text !== undefined) say(text);
    }
  };
  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
    if (stoppedBy) process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
    stoppedBy = signal;
    controller.abort();
  };
  // Nobody reads the output any more: stop the reviewer (its commands are killed, its log flushed).
  onOutputClosed(() => controller.abort());
  const onSigint = onSignal('SIGINT');
  const onSigterm = onSignal('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);
  let outcome: ReviewOutcome;
  try {
    outcome = await runPreparedReview(prepared, {
      runtime,
      signal: controller.signal,
      onEvent: (event) => {
        print(event);
        // The whole review is one turn of the review's thread.
        if (event.type === 'thread.started') print({ type: 'turn.started', turn_id: '' });
      },
    });
  } catch (err) {
    if (!(err instanceof SessionStoreError)) throw err;
    say(`spool: cannot record the review's session: ${err.message}`);
    return EXIT.failed;
  } finally {
    signals.off('SIGINT', onSigint);
    signals.off('SIGTERM', onSigterm);
  }

  const usage = outcome.usage ?? emptyUsage();
  if (outcome.status === 'completed') print({ type: 'turn.completed', turn_id: '', usage });
  else if (outcome.status === 'interrupted') print({ type: 'turn.interrupted', turn_id: '', usage });
  else
    print({
      type: 'turn.failed',
      turn_id: '',
      usage,
      error: { message: outcome.error?.message ?? 'the review failed' },
    });

  if (!options.json) {
    // The review is the model's text: on a terminal it is shown safe, to a pipe or file it stays as written.
    const text = document(format, outcome);
    io.stdout.write(io.stdout.isTTY ? terminalSafe(text) : text);
  }
  if (options.outputFile) {
    const fileFormat: ReviewFormat = options.json && options.format === undefined ? 'json' : format;
    fs.writeFileSync(options.outputFile, document(fileFormat, outcome));
  }
  if (outcome.status === 'interrupted') return stoppedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  if (outcome.status !== 'completed') return EXIT.failed;
  if (failOn !== undefined && outcome.result?.findings.some((f) => f.priority <= failOn)) {
    say(`spool review: findings at P${failOn} or above (--fail-on P${failOn})`);
    return EXIT_FINDINGS;
  }
  return EXIT.ok;
}
