/** What the app-server's notifications add to the transcript. */
import type { ServerNotification } from '../../app-server/in-process.js';
import type { Transcript } from '../view/transcript.js';
import type { V2GuardianReviewAction, V2GuardianReviewCompleted } from '../view/v2.js';

/** What a guardian review was about, in a few words. */
function reviewedAction(action: V2GuardianReviewAction): string {
  if (action.type === 'command') return action.command;
  if (action.type === 'applyPatch') return `a patch of ${action.files.join(', ') || 'files'}`;
  if (action.type === 'mcpToolCall') return `${action.server}.${action.toolName}`;
  return action.type;
}

/** One line per decision of the automatic reviewer, with its rationale. */
function showReview(t: Transcript, p: V2GuardianReviewCompleted): void {
  const review = p.review;
  const risk = review.riskLevel ? ` (risk ${review.riskLevel})` : '';
  const why = review.rationale ? ` — ${review.rationale}` : '';
  const verdict = review.status === 'timedOut' ? 'timed out, denied' : review.status;
  const denied = review.status === 'denied' || review.status === 'timedOut';
  t.system(
    denied ? 'warning' : 'info',
    `Guardian ${verdict}: ${reviewedAction(p.action)}${risk}${why}${denied ? ' · /approve runs it once' : ''}`,
  );
}

export function showInTranscript(t: Transcript, n: ServerNotification): void {
  switch (n.method) {
    case 'item/started':
      t.itemStarted(n.params.item);
      return;
    case 'item/completed':
      t.itemCompleted(n.params.item);
      return;
    case 'item/agentMessage/delta':
    case 'item/reasoning/summaryTextDelta':
    case 'item/commandExecution/outputDelta':
      if (n.params.delta) t.delta(n.params.itemId, n.params.delta);
      return;
    case 'turn/plan/updated':
      t.planUpdated(n.params.plan, n.params.explanation ?? null);
      return;
    case 'turn/completed':
      t.turnFinished(n.params.turn.status, n.params.turn.error);
      return;
    case 'error':
      // A retry in progress ("Reconnecting… 2/5"); a final error shows with the failed turn.
      if (n.params.willRetry) t.system('warning', n.params.error.message || 'Retrying…');
      return;
    case 'warning':
    case 'guardianWarning':
      if (n.params.message) t.system('warning', n.params.message);
      return;
    case 'item/autoApprovalReview/completed':
      showReview(t, n.params);
      return;
  }
}
