/**
 * The v2 messages the server sends, typed from the generated protocol (src/protocol/app-server-v2.ts):
 * a notification's params follow from its method, and so do a server request's.
 */
import type {
  CommandExecutionApprovalDecision,
  ServerNotification1,
  ServerRequestMessage,
} from '../protocol/app-server-v2.js';

/** Every notification v2 defines, as `{ method, params }`. */
export type V2Notification = ServerNotification1;

export type V2NotificationMethod = V2Notification['method'];

export type V2NotificationParams<M extends V2NotificationMethod> = Extract<
  V2Notification,
  { method: M }
>['params'];

/**
 * A server request (an approval, request_user_input) as `{ method, params }`: Codex's bundle lacks
 * them, so their schema is declared in src/protocol/app-server-v2-extensions.ts (from Codex's
 * ServerRequest.json) and generated with the rest.
 */
export type V2ServerRequest = ServerRequestMessage;

export type V2ServerRequestOf<M extends V2ServerRequest['method']> = Extract<V2ServerRequest, { method: M }>;

/** An answer a client may give to a command approval (Codex's `CommandExecutionApprovalDecision`). */
export type V2ApprovalDecision = CommandExecutionApprovalDecision;
