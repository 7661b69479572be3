/**
 * The v2 app-server shapes the terminal UI reads, by the names the UI uses: the generated protocol
 * types (src/protocol/app-server-v2.ts, from Codex's JSON Schema), not a copy of them.
 */
import type {
  AskForApproval,
  CommandExecutionApprovalDecision,
  CommandExecutionRequestApprovalParams,
  FileChangeRequestApprovalParams,
  FileUpdateChange,
  GuardianApprovalReviewAction,
  ItemGuardianApprovalReviewCompletedNotification,
  SandboxPolicy,
  Thread,
  ThreadItem,
  ThreadStartResponse,
  ThreadTokenUsage,
  ToolRequestUserInputQuestion,
  Turn,
} from '../../protocol/app-server-v2.js';

export type V2FileChange = FileUpdateChange;
export type V2Item = ThreadItem;
export type V2Turn = Turn;
export type V2TokenUsage = ThreadTokenUsage;
export type V2SandboxPolicy = SandboxPolicy;
export type V2Thread = Thread;
export type V2CommandApprovalParams = CommandExecutionRequestApprovalParams;
export type V2FileChangeApprovalParams = FileChangeRequestApprovalParams;
export type V2ApprovalDecision = CommandExecutionApprovalDecision;
export type V2UserInputQuestion = ToolRequestUserInputQuestion;
export type V2GuardianReviewAction = GuardianApprovalReviewAction;
export type V2GuardianReviewCompleted = ItemGuardianApprovalReviewCompletedNotification;
/** What thread/start, thread/resume and thread/fork answer. */
export type V2OpenedThread = ThreadStartResponse;

/** An approval policy by name (`granular` for v2's per-kind policy objects, which Spool never sends). */
export function approvalName(policy: string | AskForApproval | undefined, unknown = 'unknown'): string {
  if (policy === undefined) return unknown;
  return typeof policy === 'string' ? policy : 'granular';
}

export function sandboxName(policy: V2SandboxPolicy | undefined): string {
  switch (policy?.type) {
    case 'dangerFullAccess':
      return 'danger-full-access';
    case 'readOnly':
      return 'read-only';
    case 'workspaceWrite':
      return 'workspace-write';
    case 'externalSandbox':
      return 'external-sandbox';
    default:
      return 'unknown';
  }
}
