/**
 * Spool's values in the shapes of Codex's v2 protocol (and back): threads, turns, token usage,
 * error information, sandbox and approval policies.
 */

import path from 'node:path';
import type {
  CodexErrorInfo,
  SpoolCost,
  SubAgentSessionSource,
  Thread,
  ThreadStartResponse,
  ThreadStatus,
  TokenUsageBreakdown,
  Turn,
  SandboxPolicy as V2SandboxPolicy,
  TurnError as V2TurnError,
} from '../protocol/app-server-v2.js';
import type { SpawnOrigin } from '../protocol/collab.js';
import type { TurnError } from '../protocol/events.js';
import type { ApprovalPolicy, SandboxPolicy } from '../protocol/policy.js';
import type { ThreadSettings } from '../protocol/settings.js';
import type { Cost, Usage } from '../protocol/usage.js';
import { invalidParams } from './jsonrpc.js';
import type { AskForApprovalInput, SandboxPolicyInput } from './params.js';

/** A v2 turn (items, status, error, times). */
export type V2Turn = Turn;

export type V2ThreadStatus = ThreadStatus;

/** What a v2 `Thread` object is built from. */
export interface ThreadInfo {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  updatedAt: number;
  cwd: string;
  model: string | null;
  modelProvider: string;
  preview: string;
  path: string | null;
  ephemeral: boolean;
  forkedFromId: string | null;
  git: { branch?: string; commit?: string } | undefined;
  cliVersion: string;
  /** `appServer` for threads this server started; `unknown` when the log does not say. */
  source: 'appServer' | 'unknown';
  reasoningEffort: string | null;
  /** A sub-agent's thread: its parent and place in the tree (src/agents/). */
  spawnedFrom?: SpawnOrigin;
}

/** Codex's `SessionSource` of a thread a parent spawned (`subAgent.thread_spawn`). */
function subAgentSource(origin: SpawnOrigin): SubAgentSessionSource {
  return {
    subAgent: {
      thread_spawn: {
        parent_thread_id: origin.parent_thread_id,
        depth: origin.depth,
        agent_path: origin.agent_path,
        agent_nickname: null,
        agent_role: origin.agent_role ?? null,
      },
    },
  };
}

export const seconds = (ms: number): number => Math.floor(ms / 1000);

export function threadObject(info: ThreadInfo, status: V2ThreadStatus, turns: V2Turn[] = []): Thread {
  return {
    id: info.id,
    sessionId: info.id,
    forkedFromId: info.forkedFromId,
    parentThreadId: info.spawnedFrom?.parent_thread_id ?? null,
    preview: info.preview,
    ephemeral: info.ephemeral,
    modelProvider: info.modelProvider,
    model: info.model,
    reasoningEffort: info.reasoningEffort,
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
    recencyAt: info.updatedAt,
    status,
    path: info.path,
    cwd: info.cwd,
    cliVersion: info.cliVersion,
    source: info.spawnedFrom ? subAgentSource(info.spawnedFrom) : info.source,
    threadSource: null,
    agentNickname: null,
    agentRole: info.spawnedFrom?.agent_role ?? null,
    gitInfo: info.git
      ? { sha: info.git.commit ?? null, branch: info.git.branch ?? null, originUrl: null }
      : null,
    name: null,
    projectId: null,
    turns,
  };
}

export function usageBreakdown(usage: Usage): TokenUsageBreakdown {
  return {
    totalTokens: usage.input_tokens + usage.output_tokens,
    inputTokens: usage.input_tokens,
    cachedInputTokens: usage.cached_input_tokens,
    cacheWriteInputTokens: 0,
    outputTokens: usage.output_tokens,
    reasoningOutputTokens: usage.reasoning_output_tokens,
  };
}

/** Spool's extension of `ThreadTokenUsage`: USD, `null` where the model's price is unknown. */
export function costBreakdown(cost: Cost): SpoolCost {
  return {
    usd: cost.usd,
    uncachedInputUsd: cost.uncached_input_usd,
    cachedInputUsd: cost.cached_input_usd,
    outputUsd: cost.output_usd,
  };
}

/** Codex's `codexErrorInfo` for Spool's error kinds (model/types.ts `ModelErrorKind`). */
function codexErrorInfo(kind: string | undefined): CodexErrorInfo {
  switch (kind) {
    case 'auth':
      return 'unauthorized';
    case 'rate_limit':
      return 'rateLimitExceeded';
    case 'quota':
      return 'usageLimitExceeded';
    case 'context_length_exceeded':
      return 'contextWindowExceeded';
    case 'server':
      return 'internalServerError';
    case 'invalid_request':
      return 'badRequest';
    case 'network':
      return { httpConnectionFailed: { httpStatusCode: null } };
    case 'stream_closed':
    case 'idle_timeout':
      return { responseStreamDisconnected: { httpStatusCode: null } };
    default:
      return 'other';
  }
}

export function turnError(error: TurnError): V2TurnError {
  return { message: error.message, codexErrorInfo: codexErrorInfo(error.kind), additionalDetails: null };
}

/**
 * Spool's policy as a v2 `AskForApproval`. v2 has no `on-failure`; `on-request` is the nearest
 * (both ask when a command needs more than the sandbox allows).
 */
export function approvalPolicyOut(policy: ApprovalPolicy): 'untrusted' | 'on-request' | 'never' {
  return policy === 'on-failure' ? 'on-request' : policy;
}

export function approvalPolicyIn(input: AskForApprovalInput): ApprovalPolicy {
  if (typeof input === 'string') return input;
  throw invalidParams(
    'granular approval policies are not supported by Spool; use untrusted, on-request or never',
  );
}

function sandboxPolicyOut(settings: Pick<ThreadSettings, 'sandbox' | 'bypassSandbox'>): V2SandboxPolicy {
  const s = settings.sandbox;
  if (settings.bypassSandbox || s.mode === 'danger-full-access') return { type: 'dangerFullAccess' };
  if (s.mode === 'read-only') return { type: 'readOnly', networkAccess: s.networkAccess };
  return {
    type: 'workspaceWrite',
    writableRoots: s.writableRoots,
    networkAccess: s.networkAccess,
    excludeTmpdirEnvVar: s.excludeTmpdirEnvVar,
    excludeSlashTmp: s.excludeSlashTmp,
  };
}

/** A v2 sandbox policy as Spool's; `externalSandbox` (the client sandboxes) runs without Spool's. */
export function sandboxPolicyIn(
  input: SandboxPolicyInput,
  current: SandboxPolicy,
  cwd: string,
): SandboxPolicy {
  switch (input.type) {
    case 'dangerFullAccess':
      return { ...current, mode: 'danger-full-access' };
    case 'externalSandbox':
      return { ...current, mode: 'danger-full-access', networkAccess: input.networkAccess === 'enabled' };
    case 'readOnly':
      return { ...current, mode: 'read-only', networkAccess: input.networkAccess ?? false };
    case 'workspaceWrite':
      return {
        mode: 'workspace-write',
        writableRoots: (input.writableRoots ?? current.writableRoots).map((root) => path.resolve(cwd, root)),
        networkAccess: input.networkAccess ?? false,
        excludeTmpdirEnvVar: input.excludeTmpdirEnvVar ?? false,
        excludeSlashTmp: input.excludeSlashTmp ?? false,
      };
  }
}

/** The fields `thread/start`, `thread/resume` and `thread/fork` answer with besides the thread. */
type ThreadSettingsFields = Pick<
  ThreadStartResponse,
  | 'model'
  | 'modelProvider'
  | 'serviceTier'
  | 'cwd'
  | 'instructionSources'
  | 'approvalPolicy'
  | 'approvalsReviewer'
  | 'sandbox'
  | 'reasoningEffort'
>;

export function threadSettingsFields(settings: ThreadSettings, modelProvider: string): ThreadSettingsFields {
  return {
    model: settings.model,
    modelProvider,
    serviceTier: null,
    cwd: settings.cwd,
    instructionSources: [],
    approvalPolicy: approvalPolicyOut(settings.approvalPolicy),
    approvalsReviewer: 'user',
    sandbox: sandboxPolicyOut(settings),
    reasoningEffort: settings.reasoning?.effort ?? null,
  };
}
