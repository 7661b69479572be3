/**
 * Approval requests of one thread: a tool asks, the front end answers through
 * `Thread.resolveApproval`, an interrupt answers `abort` for everyone still waiting.
 */
import type { ApprovalDecision, ApprovalRequest, SpoolEvent } from '../protocol/events.js';
import type { ApprovalOutcome } from '../tools/types.js';

const INTERRUPTED: ApprovalOutcome = { decision: 'abort', reason: 'the turn was interrupted' };

export class ApprovalBroker {
  private readonly pending = new Map<string, (outcome: ApprovalOutcome) => void>();
  private counter = 0;
  /** Exact command (or path) keys the user approved for the rest of the thread. */
  readonly sessionApprovals = new Set<string>();

  constructor(
    private readonly emit: (event: SpoolEvent) => void,
    /** Stops the turn (the `abort` decision). */
    private readonly interrupt: () => void,
  ) {}

  /** Emits `approval.requested` and waits for the answer (or the turn's end). */
  request(
    turnId: string,
    signal: AbortSignal,
    request: Omit<ApprovalRequest, 'id'>,
  ): Promise<ApprovalOutcome> {
    const id = `approval_${this.counter++}`;
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
      this.emit({ type: 'approval.requested', turn_id: turnId, request: { id, ...request } });
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
