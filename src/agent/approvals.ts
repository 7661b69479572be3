/**
 * Approval requests of one thread: a tool asks, the front end answers through
 * `Thread.resolveApproval`, an interrupt answers `abort` for everyone still waiting.
 *
 * A reviewer (`ApprovalReviewer`, e.g. the guardian of src/guardian/) may stand before the human:
 * it then gets every request first and decides it, or hands it on to the human (`askHuman`).
 */
import type { ApprovalDecision, ApprovalRequest, SpoolEvent } from '../protocol/events.js';
import type { ApprovalOutcome } from '../tools/types.js';

const INTERRUPTED: ApprovalOutcome = { decision: 'abort', reason: 'the turn was interrupted' };

/** What a reviewer gets for one request. */
export interface ApprovalReview {
  /** The request, with the id it will carry if the human is asked. */
  request: ApprovalRequest;
  turnId: string;
  /** Aborted when the turn is interrupted: the review must stop and answer `abort`. */
  signal: AbortSignal;
  /**
   * Asks the human exactly as without a reviewer (`approval.requested`, then the front end's
   * answer); `request` replaces the question shown (same id), e.g. with the reviewer's reasons.
   */
  askHuman(request?: ApprovalRequest): Promise<ApprovalOutcome>;
  /** Puts an event on the thread's stream (review items, warnings): recorded and shown. */
  emit(event: SpoolEvent): void;
  /** A new item id of the running turn. */
  newItemId(): string;
}

/**
 * Decides approval requests before (or instead of) the human. Its outcome is the tool's answer;
 * `abort` also interrupts the turn, as the human's does.
 */
export interface ApprovalReviewer {
  review(review: ApprovalReview): Promise<ApprovalOutcome>;
}

/** Where the request comes from: the turn, its abort signal, its item ids. */
interface ApprovalScope {
  turnId: string;
  signal: AbortSignal;
  newItemId(): string;
}

export class ApprovalBroker {
  private readonly pending = new Map<string, (outcome: ApprovalOutcome) => void>();
  private counter = 0;
  /** Exact command (or path) keys the user approved for the rest of the thread. */
  readonly sessionApprovals = new Set<string>();
  /** Reviews every request before the human sees it (none: the human is asked directly). */
  reviewer: ApprovalReviewer | undefined;

  constructor(
    private readonly emit: (event: SpoolEvent) => void,
    /** Stops the turn (the `abort` decision). */
    private readonly interrupt: () => void,
  ) {}

  /** Asks the reviewer, if there is one, else the human; resolves with the decision. */
  async request(scope: ApprovalScope, request: Omit<ApprovalRequest, 'id'>): Promise<ApprovalOutcome> {
    const id = `approval_${this.counter++}`;
    if (scope.signal.aborted) return INTERRUPTED;
    const reviewer = this.reviewer;
    if (!reviewer) return this.askHuman(id, scope, { id, ...request });
    let outcome: ApprovalOutcome;
    // An escalation the human answered is the human's decision; anything else the reviewer decided.
    let humanAnswered = false;
    try {
      outcome = await reviewer.review({
        request: { id, ...request },
        turnId: scope.turnId,
        signal: scope.signal,
        askHuman: async (shown) => {
          const answer = await this.askHuman(id, scope, { ...(shown ?? request), id });
          humanAnswered = true;
          return answer;
        },
        emit: this.emit,
        newItemId: scope.newItemId,
      });
      if (!humanAnswered) outcome = { ...outcome, decidedBy: 'reviewer' };
    } catch (error) {
      // A reviewer that fails decides nothing: fail closed (the action is denied, the model told why).
      const message = error instanceof Error ? error.message : String(error);
      outcome = {
        decision: 'denied',
        reason: `the approval reviewer failed: ${message}`,
        decidedBy: 'reviewer',
      };
    }
    if (scope.signal.aborted) return INTERRUPTED;
    if (outcome.decision === 'abort') this.interrupt();
    return outcome;
  }

  /** Emits `approval.requested` and waits for the answer (or the turn's end). */
  private askHuman(id: string, scope: ApprovalScope, request: ApprovalRequest): Promise<ApprovalOutcome> {
    const { turnId, signal } = scope;
    if (signal.aborted) return Promise.resolve(INTERRUPTED);
    return new Promise<ApprovalOutcome>((resolve) => {
      const finish = (outcome: ApprovalOutcome) => {
        if (!this.pending.delete(id)) return;
        signal.removeEventListener('abort', onAbort);
        this.emit({ type: 'approval.resolved', turn_id: turnId, id, ...outcome });
        if (outcome.decision === 'abort') this.interrupt();
        resolve(outcome);
      };
      const onAbort = () => finish(INTERRUPTED);
      this.pending.set(id, finish);
      signal.addEventListener('abort', onAbort, { once: true });
      this.emit({ type: 'approval.requested', turn_id: turnId, request });
    });
  }

  /** Answers request `id`; false when it is unknown or already answered. */
  resolve(id: string, decision: ApprovalDecision, reason?: string): boolean {
    const finish = this.pending.get(id);
    if (!finish) return false;
    finish({ decision, ...(reason !== undefined ? { reason } : {}) });
    return true;
  }
}
