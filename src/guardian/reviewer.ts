/**
 * The guardian as the thread's approval reviewer (`approvals_reviewer = "auto_review"`): every
 * approval request is put to the guardian's model under policy, and its decision is the answer —
 * shown as an `auto_approval_review` item with the rationale (recorded in the session like any
 * item). It fails closed: a timeout, an error, an answer that is not the expected JSON is a denial,
 * never an approval. `escalate` asks the human when one is attached and is a denial otherwise.
 * An approval it grants covers that one action, never the rest of the session.
 */
import type { ApprovalReview, ApprovalReviewer } from '../agent/approvals.js';
import type { ApprovalRequest, ReviewedAction, ThreadItemOf } from '../protocol/events.js';
import type { HistoryItem } from '../protocol/items.js';
import type { SandboxMode } from '../protocol/policy.js';
import type { ApprovalOutcome } from '../tools/types.js';
import { parseAssessment } from './assessment.js';
import { type BreakerLimits, CircuitBreaker, DEFAULT_BREAKER } from './circuit-breaker.js';
import type { GuardianConversations } from './conversation.js';
import { actionJson, reviewPrompt } from './prompt.js';
import { transcriptEntries, USER_APPROVAL_NOTE_PREFIX } from './transcript.js';

type ReviewItem = ThreadItemOf<'auto_approval_review'>;

/** What the reviewer reads of the reviewed thread. */
interface ReviewedThread {
  id: string;
  history(): readonly HistoryItem[];
  sandbox(): SandboxMode;
  /** Tells the thread's model something before its next request (see Thread.addDeveloperNote). */
  addDeveloperNote(text: string): void;
}

interface GuardianReviewerOptions {
  thread: ReviewedThread;
  conversations: GuardianConversations;
  /** Whether a person can be asked right now (terminal, app-server client, TUI). */
  humanAttached: () => boolean;
  timeoutMs: number;
  breaker?: BreakerLimits;
  now?: () => number;
}

/** The request as the review item shows it. */
function reviewedAction(request: ApprovalRequest): ReviewedAction {
  return {
    kind: request.kind,
    ...(request.command ? { command: request.command } : {}),
    display: request.display,
    cwd: request.cwd,
    reason: request.reason,
    ...(request.changes
      ? {
          changes: request.changes.map((c) => ({
            path: c.path,
            kind: c.kind,
            ...(c.move_path ? { move_path: c.move_path } : {}),
          })),
        }
      : {}),
    ...(request.mcp_tool ? { mcp_tool: request.mcp_tool } : {}),
  };
}

/** Two requests are the same action when they would do the same thing (ids and reasons aside). */
function actionKey(request: ApprovalRequest): string {
  return JSON.stringify([
    request.kind,
    request.command ?? request.display,
    request.cwd,
    (request.changes ?? []).map((c) => [c.path, c.kind, c.move_path ?? null, c.diff ?? null]),
    request.mcp_tool ? [request.mcp_tool.server, request.mcp_tool.tool, request.mcp_tool.arguments] : null,
  ]);
}

export class GuardianReviewer implements ApprovalReviewer {
  private readonly breaker: CircuitBreaker;
  private breakerTurn: string | undefined;
  /** Denied actions a person may still approve once (review item id → the request). */
  private readonly denied = new Map<string, ApprovalRequest>();
  /** Actions a person approved once after a denial (key → how many times). */
  private readonly approvedOnce = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: GuardianReviewerOptions) {
    this.breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER);
    this.now = options.now ?? Date.now;
  }

  async review(review: ApprovalReview): Promise<ApprovalOutcome> {
    const { request } = review;
    if (review.turnId !== this.breakerTurn) {
      this.breaker.reset();
      this.breakerTurn = review.turnId;
    }
    const base: ReviewItem = {
      id: review.newItemId(),
      type: 'auto_approval_review',
      approval_id: request.id,
      ...(request.item_id ? { target_item_id: request.item_id } : {}),
      action: reviewedAction(request),
      status: 'in_progress',
      started_at_ms: this.now(),
    };
    const finish = (fields: Partial<ReviewItem>): ReviewItem => {
      const item: ReviewItem = { ...base, ...fields, completed_at_ms: this.now() };
      review.emit({ type: 'item.completed', turn_id: review.turnId, item });
      return item;
    };

    const key = actionKey(request);
    const once = this.approvedOnce.get(key) ?? 0;
    if (once > 0) {
      if (once === 1) this.approvedOnce.delete(key);
      else this.approvedOnce.set(key, once - 1);
      finish({
        status: 'approved',
        decision_source: 'user',
        rationale: 'The user approved this exact action once after the automatic reviewer denied it.',
      });
      return { decision: 'approved' };
    }

    review.emit({ type: 'item.started', turn_id: review.turnId, item: base });
    const { thread } = this.options;
    const action = actionJson(request, { sandbox: thread.sandbox() });
    const run = await this.options.conversations.ask(
      (cursor) => reviewPrompt(transcriptEntries(thread.history()), cursor, action, thread.id),
      review.signal,
    );

    if (run.status === 'aborted' || review.signal.aborted) {
      finish({ status: 'aborted', decision_source: 'guardian', rationale: 'The turn was interrupted.' });
      return { decision: 'abort', reason: 'the turn was interrupted' };
    }
    if (run.status !== 'answered') {
      const why =
        run.status === 'timed_out'
          ? `the automatic reviewer did not answer within ${formatSeconds(this.options.timeoutMs)}`
          : `the automatic reviewer failed: ${run.error}`;
      review.emit({ type: 'warning', source: 'guardian', message: `${why}; the action was denied.` });
      finish({
        status: run.status === 'timed_out' ? 'timed_out' : 'denied',
        decision_source: 'guardian',
        rationale: `${capitalise(why)}, so the action was denied (the reviewer fails closed).`,
      });
      return this.denial(review, base.id, `${capitalise(why)}; the action was denied.`);
    }

    const parsed = parseAssessment(run.text);
    if (!parsed.ok) {
      review.emit({
        type: 'warning',
        source: 'guardian',
        message: `${parsed.error}; the action was denied.`,
      });
      finish({
        status: 'denied',
        decision_source: 'guardian',
        rationale: `${capitalise(parsed.error)}, so the action was denied (the reviewer fails closed).`,
      });
      return this.denial(review, base.id, `${capitalise(parsed.error)}; the action was denied.`);
    }
    const { assessment } = parsed;
    const judged = {
      decision_source: 'guardian' as const,
      risk_level: assessment.risk_level,
      user_authorization: assessment.user_authorization,
      rationale: assessment.rationale,
    };
    if (assessment.outcome === 'allow') {
      finish({ status: 'approved', ...judged });
      this.breaker.record(false);
      return { decision: 'approved' };
    }
    if (assessment.outcome === 'escalate' && this.options.humanAttached()) {
      finish({ status: 'escalated', ...judged });
      this.breaker.record(false);
      return review.askHuman({
        ...request,
        reason: `${request.reason}\nThe automatic reviewer asks you (risk ${assessment.risk_level}): ${assessment.rationale}`,
      });
    }
    const escalated = assessment.outcome === 'escalate';
    finish({
      status: 'denied',
      ...judged,
      ...(escalated
        ? { rationale: `Escalated, but no one is attached to ask, so it is denied: ${assessment.rationale}` }
        : {}),
    });
    return this.denial(
      review,
      base.id,
      `The automatic reviewer ${escalated ? 'escalated this action and no one could be asked, so it was denied' : 'denied this action'} (risk ${assessment.risk_level}): ${assessment.rationale}`,
    );
  }

  /** A denial: remembered (a person may approve it once), counted, and maybe the turn's end. */
  private denial(review: ApprovalReview, reviewId: string, reason: string): ApprovalOutcome {
    this.denied.set(reviewId, review.request);
    const trip = this.breaker.record(true);
    if (trip) {
      review.emit({ type: 'warning', source: 'guardian', message: `${capitalise(trip)}.` });
      return { decision: 'abort', reason: `${reason}\n${capitalise(trip)}.` };
    }
    return { decision: 'denied', reason };
  }

  /**
   * A person approves an action the reviewer denied (`/approve`, the app-server's
   * `thread/approveGuardianDeniedAction`): the model is told, and the same action, asked again,
   * runs once without a review. False when `reviewId` is not a denial of this thread.
   */
  approveDenied(reviewId: string): boolean {
    const request = this.denied.get(reviewId);
    if (!request) return false;
    this.denied.delete(reviewId);
    const key = actionKey(request);
    this.approvedOnce.set(key, (this.approvedOnce.get(key) ?? 0) + 1);
    this.options.thread.addDeveloperNote(
      `${USER_APPROVAL_NOTE_PREFIX}: ${request.display} (in ${request.cwd}). It may run once if you request exactly this action again.`,
    );
    return true;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
