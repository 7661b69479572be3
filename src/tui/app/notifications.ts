/** What the app-server's notifications add to the transcript. */
import type { PlanStep } from '../view/cells.js';
import type { Transcript } from '../view/transcript.js';
import type { V2Item, V2TokenUsage } from '../view/v2.js';

/** The members of the notifications the UI reads (each notification has some of them). */
export interface NotificationParams {
  threadId?: string;
  turn?: { id: string; status: string; error?: { message: string } | null };
  item?: V2Item;
  itemId?: string;
  delta?: string;
  plan?: PlanStep[];
  explanation?: string | null;
  tokenUsage?: V2TokenUsage;
  willRetry?: boolean;
  error?: { message: string };
  message?: string;
  requestId?: string | number;
  /** `item/autoApprovalReview/*`: the guardian's review of an action. */
  reviewId?: string;
  review?: { status: string; riskLevel?: string | null; rationale?: string | null };
  action?: { type: string; command?: string; files?: string[]; server?: string; toolName?: string };
}

/** What a guardian review was about, in a few words. */
function reviewedAction(action: NotificationParams['action']): string {
  if (!action) return 'an action';
  if (action.type === 'command') return action.command ?? 'a command';
  if (action.type === 'applyPatch') return `a patch of ${(action.files ?? []).join(', ') || 'files'}`;
  if (action.type === 'mcpToolCall') return `${action.server}.${action.toolName}`;
  return action.type;
}

/** One line per decision of the automatic reviewer, with its rationale. */
function showReview(t: Transcript, p: NotificationParams): void {
  const review = p.review;
  if (!review) return;
  const risk = review.riskLevel ? ` (risk ${review.riskLevel})` : '';
  const why = review.rationale ? ` — ${review.rationale}` : '';
  const verdict = review.status === 'timedOut' ? 'timed out, denied' : review.status;
  const denied = review.status === 'denied' || review.status === 'timedOut';
  t.system(
    denied ? 'warning' : 'info',
    `Guardian ${verdict}: ${reviewedAction(p.action)}${risk}${why}${denied ? ' · /approve runs it once' : ''}`,
  );
}

export function showInTranscript(t: Transcript, method: string, p: NotificationParams): void {
  switch (method) {
    case 'item/started':
      if (p.item) t.itemStarted(p.item);
      return;
    case 'item/completed':
      if (p.item) t.itemCompleted(p.item);
      return;
    case 'item/agentMessage/delta':
    case 'item/reasoning/summaryTextDelta':
    case 'item/commandExecution/outputDelta':
      if (p.itemId && p.delta) t.delta(p.itemId, p.delta);
      return;
    case 'turn/plan/updated':
      t.planUpdated(p.plan ?? [], p.explanation ?? null);
      return;
    case 'turn/completed':
      t.turnFinished(p.turn?.status ?? 'completed', p.turn?.error);
      return;
    case 'error':
      // A retry in progress ("Reconnecting… 2/5"); a final error shows with the failed turn.
      if (p.willRetry) t.system('warning', p.error?.message ?? 'Retrying…');
      return;
    case 'warning':
    case 'guardianWarning':
      if (p.message) t.system('warning', p.message);
      return;
    case 'item/autoApprovalReview/completed':
      showReview(t, p);
      return;
  }
}
