/**
 * The v2 messages the server sends, typed from the generated protocol (src/protocol/app-server-v2.ts):
 * a notification's params follow from its method. Server requests (approvals) are not in Codex's
 * bundled schema; their params are checked against Codex's own schema files by the app-server tests.
 */
import type { ServerNotification1 } from '../protocol/app-server-v2.js';

/** Every notification v2 defines, as `{ method, params }`. */
export type V2Notification = ServerNotification1;

export type V2NotificationMethod = V2Notification['method'];

export type V2NotificationParams<M extends V2NotificationMethod> = Extract<
  V2Notification,
  { method: M }
>['params'];

/** The params of a server request (an approval): a JSON object. */
export type V2ServerRequestParams = Record<string, unknown>;

/**
 * An answer a client may give to a command approval (Codex's `CommandExecutionApprovalDecision`,
 * from its ServerRequest schema).
 */
export type V2ApprovalDecision =
  | 'accept'
  | 'acceptForSession'
  | 'decline'
  | 'cancel'
  | { acceptWithExecpolicyAmendment: { execpolicy_amendment: string[] } };
