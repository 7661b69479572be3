/**
 * The guardian's reviews as Codex's app-server v2 notifications (`item/autoApprovalReview/started`
 * and `…/completed`, marked unstable by Codex): the review, the action reviewed, and when.
 */
import type { ThreadItemOf } from '../protocol/events.js';

// Not yet typed by the generated protocol (src/protocol/app-server-v2.ts): a JSON object.
type Json = Record<string, unknown>;

type ReviewItem = ThreadItemOf<'auto_approval_review'>;

/** Spool's statuses in Codex's enum; an escalation hands the question to the client (`aborted` review). */
const STATUS: Record<ReviewItem['status'], string> = {
  in_progress: 'inProgress',
  approved: 'approved',
  denied: 'denied',
  escalated: 'aborted',
  timed_out: 'timedOut',
  aborted: 'aborted',
};

/** How directly the user authorised the action, in Codex's levels. */
const AUTHORIZATION: Record<NonNullable<ReviewItem['user_authorization']>, string> = {
  explicit: 'high',
  implied: 'medium',
  none: 'low',
};

function action(item: ReviewItem): Json {
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

/** The params of `item/autoApprovalReview/started` (item in progress) or `…/completed`. */
export function reviewNotification(
  item: ReviewItem,
  threadId: string,
  turnId: string,
  targetItemId: string | null,
): { method: string; params: Json } {
  const done = item.status !== 'in_progress';
  const rationale =
    item.status === 'escalated' && item.rationale
      ? `Escalated to you: ${item.rationale}`
      : (item.rationale ?? null);
  const params: Json = {
    threadId,
    turnId,
    reviewId: item.id,
    targetItemId,
    startedAtMs: item.started_at_ms,
    review: {
      status: STATUS[item.status],
      riskLevel: item.risk_level ?? null,
      userAuthorization: item.user_authorization ? AUTHORIZATION[item.user_authorization] : null,
      rationale,
    },
    action: action(item),
  };
  if (!done) return { method: 'item/autoApprovalReview/started', params };
  return {
    method: 'item/autoApprovalReview/completed',
    params: { ...params, completedAtMs: item.completed_at_ms ?? item.started_at_ms, decisionSource: 'agent' },
  };
}
