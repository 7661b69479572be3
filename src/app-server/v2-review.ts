/**
 * The guardian's reviews as Codex's app-server v2 notifications (`item/autoApprovalReview/started`
 * and `…/completed`, marked unstable by Codex): the review, the action reviewed, and when. Typed by
 * the generated protocol (src/protocol/app-server-v2.ts).
 */
import type {
  GuardianApprovalReview,
  GuardianApprovalReviewAction,
  GuardianApprovalReviewStatus,
  GuardianUserAuthorization,
  ItemAutoApprovalReviewCompletedNotification,
  ItemAutoApprovalReviewStartedNotification,
} from '../protocol/app-server-v2.js';
import type { ThreadItemOf } from '../protocol/events.js';

type ReviewItem = ThreadItemOf<'auto_approval_review'>;

/** Spool's statuses in Codex's enum; an escalation hands the question to the client (`aborted` review). */
const STATUS: Record<ReviewItem['status'], GuardianApprovalReviewStatus> = {
  in_progress: 'inProgress',
  approved: 'approved',
  denied: 'denied',
  escalated: 'aborted',
  timed_out: 'timedOut',
  aborted: 'aborted',
};

/** How directly the user authorised the action, in Codex's levels. */
const AUTHORIZATION: Record<NonNullable<ReviewItem['user_authorization']>, GuardianUserAuthorization> = {
  explicit: 'high',
  implied: 'medium',
  none: 'low',
};

function action(item: ReviewItem): GuardianApprovalReviewAction {
  const { action } = item;
  switch (action.kind) {
    case 'command':
      return { type: 'command', source: 'shell', command: action.display, cwd: action.cwd };
    case 'patch':
      return { type: 'applyPatch', cwd: action.cwd, files: (action.changes ?? []).map((c) => c.path) };
    case 'mcp_tool_call':
      return {
        type: 'mcpToolCall',
        server: action.mcp_tool?.server ?? '',
        toolName: action.mcp_tool?.tool ?? '',
        connectorId: null,
        connectorName: null,
        toolTitle: null,
      };
  }
}

/** `item/autoApprovalReview/started` (item in progress) or `…/completed`, with its params. */
export function reviewNotification(
  item: ReviewItem,
  threadId: string,
  turnId: string,
  targetItemId: string | null,
): ItemAutoApprovalReviewStartedNotification | ItemAutoApprovalReviewCompletedNotification {
  const rationale =
    item.status === 'escalated' && item.rationale
      ? `Escalated to you: ${item.rationale}`
      : (item.rationale ?? null);
  const review: GuardianApprovalReview = {
    status: STATUS[item.status],
    riskLevel: item.risk_level ?? null,
    userAuthorization: item.user_authorization ? AUTHORIZATION[item.user_authorization] : null,
    rationale,
  };
  const params = {
    threadId,
    turnId,
    reviewId: item.id,
    targetItemId,
    startedAtMs: item.started_at_ms,
    review,
    action: action(item),
  };
  if (item.status === 'in_progress') return { method: 'item/autoApprovalReview/started', params };
  return {
    method: 'item/autoApprovalReview/completed',
    params: { ...params, completedAtMs: item.completed_at_ms ?? item.started_at_ms, decisionSource: 'agent' },
  };
}
