/**
 * The v2 messages the server sends, typed from the generated protocol (src/protocol/app-server-v2.ts):
 * a notification's params follow from its method, and so do a server request's.
 */
import type {
  CollaborationModeMask,
  CommandExecResizeResponse,
  CommandExecResponse,
  CommandExecTerminateResponse,
  CommandExecutionApprovalDecision,
  CommandExecWriteResponse,
  ConfigReadResponse,
  FsGetMetadataResponse,
  FsReadDirectoryResponse,
  FsReadFileResponse,
  FsWriteFileResponse,
  ModelListResponse,
  ReviewStartResponse,
  ServerNotification1,
  ServerRequestMessage,
  SkillsListResponse,
  ThreadApproveGuardianDeniedActionResponse,
  ThreadArchiveResponse,
  ThreadCompactStartResponse,
  ThreadForkResponse,
  ThreadListResponse,
  ThreadLoadedListResponse,
  ThreadReadResponse,
  ThreadResumeResponse,
  ThreadStartResponse,
  TurnInterruptResponse,
  TurnStartResponse,
  TurnSteerResponse,
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

/**
 * What each method Spool implements answers: the method table (router.ts `MethodTable`) is typed
 * by this map, so a handler that answers another shape does not compile. `initialize` answers
 * Codex's v1 `InitializeResponse` (not in the v2 bundle; its fields are checked by the app-server
 * tests); `collaborationMode/list` is experimental in Codex (its `CollaborationModeMask` is in the
 * bundle, the response is not).
 */
export interface V2Responses {
  initialize: { userAgent: string; codexHome: string; platformFamily: string; platformOs: string };
  'thread/start': ThreadStartResponse;
  'thread/resume': ThreadResumeResponse;
  'thread/fork': ThreadForkResponse;
  'thread/approveGuardianDeniedAction': ThreadApproveGuardianDeniedActionResponse;
  'thread/list': ThreadListResponse;
  'thread/loaded/list': ThreadLoadedListResponse;
  'thread/read': ThreadReadResponse;
  'thread/archive': ThreadArchiveResponse;
  'thread/compact/start': ThreadCompactStartResponse;
  'turn/start': TurnStartResponse;
  'turn/steer': TurnSteerResponse;
  'turn/interrupt': TurnInterruptResponse;
  'review/start': ReviewStartResponse;
  'fs/readFile': FsReadFileResponse;
  'fs/writeFile': FsWriteFileResponse;
  'fs/readDirectory': FsReadDirectoryResponse;
  'fs/getMetadata': FsGetMetadataResponse;
  'model/list': ModelListResponse;
  'config/read': ConfigReadResponse;
  'skills/list': SkillsListResponse;
  'collaborationMode/list': { data: CollaborationModeMask[] };
  'command/exec': CommandExecResponse;
  'command/exec/terminate': CommandExecTerminateResponse;
  'command/exec/write': CommandExecWriteResponse;
  'command/exec/resize': CommandExecResizeResponse;
}
