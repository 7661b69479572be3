/**
 * A code review, start to end: target → findings + usage. Every entry point runs this (`spool
 * review`, `spool exec review`, app-server `review/start`, the TUI's `/review`) and so can an
 * evaluation: `prepareReview` checks the target and reads its diff (usage errors surface here,
 * before anything runs); `runPreparedReview` runs the reviewer's thread, reads its answer (asking
 * again when it cannot be read), checks the findings against the repository and records the result
 * in the reviewer's session.
 */
import path from 'node:path';
import type { BudgetExceeded, TurnOutcome } from '../agent/turn.js';
import type { ModelError } from '../model/types.js';
import type { SpoolEvent, ThreadItemOf } from '../protocol/events.js';
import type { ReviewResult } from '../protocol/review.js';
import { type Cost, emptyUsage, type Usage } from '../protocol/usage.js';
import { HostGit } from '../sandbox/host-git.js';
import { checkFindings, commitSource, type FileSource, worktreeSource } from './check-findings.js';
import { parseReviewAnswer } from './parse-result.js';
import { repairPrompt, reviewPrompt } from './prompt.js';
import { renderReviewMarkdown } from './render-markdown.js';
import { writeReviewIndex } from './review-log.js';
import { openReviewerThread, type ReviewerWiring } from './reviewer-thread.js';
import { checkTarget, needsRepository, ReviewRequestError, type ReviewTarget, targetHint } from './target.js';
import { type TargetDiff, targetDiff } from './target-diff.js';

export interface ReviewRequest {
  target: ReviewTarget;
  /** The person's own instructions, added to the request (with any target). */
  instructions?: string;
}

export interface PreparedReview {
  target: ReviewTarget;
  instructions?: string;
  hint: string;
  cwd: string;
  git: HostGit | undefined;
  diff: TargetDiff;
}

export interface ReviewRunOptions extends ReviewerWiring {
  signal?: AbortSignal;
  /**
   * The review as it goes: the reviewer's `thread.started`, its items (not its raw answers), warnings
   * and retries, and the `entered_review_mode` / `exited_review_mode` items around them. Turn ids are
   * the reviewer's; a front end showing them as its own turn replaces them.
   */
  onEvent?: (event: SpoolEvent) => void;
  /** How often an answer that cannot be read is asked for again (default 2). */
  maxRepairs?: number;
}

export interface ReviewOutcome {
  status: 'completed' | 'failed' | 'interrupted';
  /** The reviewer's session id: the review's id. */
  reviewId: string;
  model: string;
  target: ReviewTarget;
  hint: string;
  /** The checked findings, or null when the review failed or gave nothing readable. */
  result: ReviewResult | null;
  /** What was dropped from the reviewer's answer, and why. */
  notes: string[];
  /** The review as Markdown. */
  review: string;
  /** Tokens the reviewer used (every turn of its thread). */
  usage: Usage;
  /** What they cost at the reviewer's model's price (`usd: null` when it has none). */
  cost: Cost;
  error?: ModelError | BudgetExceeded;
  diff: TargetDiff;
  /** The repository's top directory (the working directory outside one). */
  root: string;
}

/** What a target's diff being empty means, for the review's verdict. */
function noChangesReason(prepared: PreparedReview): string {
  const target = prepared.target;
  switch (target.type) {
    case 'uncommittedChanges':
      return 'the working tree and the index match HEAD, and there are no untracked files';
    case 'baseBranch':
      return `the branch and its working tree bring nothing that ${target.branch} does not already have`;
    case 'commit':
      return `commit ${target.sha.slice(0, 12)} changes no file`;
    case 'custom':
      return '';
  }
}

/**
 * The verdict on a target whose diff is empty (null when there is something to review; custom
 * instructions always are): no findings, and why there was nothing to look at.
 */
function nothingToReview(prepared: PreparedReview): ReviewResult | null {
  if (prepared.target.type === 'custom' || prepared.diff.diff.trim() !== '') return null;
  return {
    findings: [],
    overall_correctness: 'patch is correct',
    overall_explanation: `There are no changes to review: ${noChangesReason(prepared)}.`,
    overall_confidence: 1,
  };
}

/** Checks the target and reads its diff; throws ReviewRequestError when the review cannot start. */
export async function prepareReview(request: ReviewRequest, wiring: ReviewerWiring): Promise<PreparedReview> {
  const target = checkTarget(request.target);
  const settings = wiring.runtime.settings;
  const cwd = settings.cwd;
  const git = HostGit.pin(cwd, { untrustedRoots: [cwd, ...settings.sandbox.writableRoots] });
  if (needsRepository(target) && !git)
    throw new ReviewRequestError(`${cwd} is not inside a git repository, so there are no changes to review`);
  const diff = await targetDiff(git, target, cwd);
  // A commit target names the commit itself (HEAD moves), and its subject when no title was given.
  const resolved: ReviewTarget =
    target.type === 'commit' && diff.revision.kind === 'commit'
      ? {
          ...target,
          sha: diff.revision.sha,
          ...(!target.title && diff.subject ? { title: diff.subject } : {}),
        }
      : target;
  return {
    target: resolved,
    ...(request.instructions?.trim() ? { instructions: request.instructions.trim() } : {}),
    hint: targetHint(resolved),
    cwd,
    git,
    diff,
  };
}

/** Who reviewed what, for stats: the `origin` remote's URL, else the repository's top directory. */
async function repositoryName(git: HostGit | undefined, root: string): Promise<string> {
  if (!git) return root;
  const origin = await git.run(['config', '--get', 'remote.origin.url']);
  const url = origin.stdout.trim();
  // Credentials in a URL stay out of the index.
  return origin.code === 0 && url ? url.replace(/\/\/[^/@]*@/, '//') : root;
}

function fileSource(prepared: PreparedReview, root: string): Promise<FileSource> {
  const { git, diff } = prepared;
  if (git && diff.revision.kind === 'commit') return commitSource(git, diff.revision.sha);
  return worktreeSource(root, git);
}

export async function runPreparedReview(
  prepared: PreparedReview,
  options: ReviewRunOptions,
): Promise<ReviewOutcome> {
  const emit = options.onEvent ?? (() => {});
  const root = prepared.git?.repository.workTree ?? prepared.cwd;
  const reviewer = openReviewerThread(options);
  const reviewId = reviewer.thread.id;
  let lastTurnId = '';
  const unsubscribe = reviewer.thread.subscribe((event) => {
    if (event.type === 'turn.started') lastTurnId = event.turn_id;
    if (event.type === 'thread.started' || event.type === 'warning' || event.type === 'stream.retrying')
      emit(event);
    else if (event.type === 'item.delta' && event.kind !== 'agent_message') emit(event);
    else if (
      (event.type === 'item.started' || event.type === 'item.updated' || event.type === 'item.completed') &&
      event.item.type !== 'agent_message'
    )
      emit(event);
  });
  const entered: ThreadItemOf<'entered_review_mode'> = {
    id: 'review_entered',
    type: 'entered_review_mode',
    review: prepared.hint,
    target: prepared.target,
  };
  let status: ReviewOutcome['status'] = 'failed';
  let result: ReviewResult | null = null;
  type TurnFailure = Extract<TurnOutcome, { status: 'failed' }>['error'];
  let error: TurnFailure | undefined;
  const notes: string[] = [];
  try {
    reviewer.thread.announce();
    emit({ type: 'item.completed', turn_id: '', item: entered });
    const unchanged = nothingToReview(prepared);
    if (unchanged) {
      // Nothing to look at: say so without asking the model (and without spending anything).
      result = unchanged;
      status = 'completed';
    } else {
      const signal = options.signal;
      let outcome = await reviewer.thread.runTurn(
        reviewPrompt(prepared.target, prepared.diff, prepared.instructions),
        signal ? { signal } : {},
      );
      for (let repairs = 0; outcome.status === 'completed'; repairs++) {
        const parsed = parseReviewAnswer(outcome.finalMessage ?? '');
        if (parsed.ok) {
          const checked = await checkFindings(parsed.result, await fileSource(prepared, root), prepared.cwd);
          result = checked.result;
          notes.push(...parsed.notes, ...checked.notes);
          break;
        }
        if (repairs >= (options.maxRepairs ?? 2)) {
          error = {
            kind: 'bad_response',
            message: `the reviewer's answer could not be read as findings: ${parsed.problem}`,
            retryable: false,
          };
          break;
        }
        outcome = await reviewer.thread.runTurn(repairPrompt(parsed.problem), signal ? { signal } : {});
      }
      if (result) status = 'completed';
      else if (outcome.status === 'interrupted') status = 'interrupted';
      else if (outcome.status === 'failed') error = outcome.error;
    }
  } finally {
    unsubscribe();
  }
  const failure =
    status === 'interrupted'
      ? 'The review was interrupted before it finished.'
      : error
        ? `The review failed: ${error.message}`
        : undefined;
  const review = renderReviewMarkdown({
    hint: prepared.hint,
    reviewId,
    result,
    notes,
    ...(failure ? { failure } : {}),
  });
  const exited: ThreadItemOf<'exited_review_mode'> = {
    id: 'review_exited',
    type: 'exited_review_mode',
    review,
    review_id: reviewId,
    model: reviewer.model,
    result,
    notes,
  };
  const usage = { ...reviewer.thread.totalUsage };
  const cost = { ...reviewer.thread.totalCost };
  try {
    reviewer.record({ type: 'item.completed', turn_id: lastTurnId, item: exited });
    if (reviewer.path && result)
      writeReviewIndex(options.runtime.home, {
        review_id: reviewId,
        created_at: new Date().toISOString(),
        session_path: reviewer.path,
        model: reviewer.model,
        repository: await repositoryName(prepared.git, root),
        target: prepared.target,
      });
  } finally {
    await reviewer.close();
  }
  emit({ type: 'item.completed', turn_id: lastTurnId, item: exited });
  return {
    status,
    reviewId,
    model: reviewer.model,
    target: prepared.target,
    hint: prepared.hint,
    result,
    notes,
    review,
    usage: usage ?? emptyUsage(),
    cost,
    ...(error ? { error } : {}),
    diff: prepared.diff,
    root: path.resolve(root),
  };
}

/** Both steps at once: what an evaluation (src/eval/) calls for target → findings + usage. */
export async function runReview(request: ReviewRequest, options: ReviewRunOptions): Promise<ReviewOutcome> {
  return runPreparedReview(await prepareReview(request, options), options);
}
