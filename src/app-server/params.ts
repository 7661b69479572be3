/**
 * The params of every method Spool implements, as zod schemas with Codex's v2 names. Unknown
 * members are ignored (a newer client may send more); members that are present must have the
 * right type. Optional members accept `null` like Codex's (`Option<T>` fields).
 */
import { z } from 'zod';

const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

export const InitializeParams = z.object({
  clientInfo: z.object({ name: z.string(), title: opt(z.string()), version: z.string() }),
  capabilities: opt(
    z.object({
      experimentalApi: opt(z.boolean()),
      optOutNotificationMethods: opt(z.array(z.string())),
    }),
  ),
});

/** `AskForApproval`: Codex's v2 values, plus `on-failure` (Spool still has it). */
export const AskForApprovalInput = z.union([
  z.enum(['untrusted', 'on-failure', 'on-request', 'never']),
  z.object({ granular: z.unknown() }),
]);
export type AskForApprovalInput = z.infer<typeof AskForApprovalInput>;

const SandboxModeInput = z.enum(['read-only', 'workspace-write', 'danger-full-access']);

export const SandboxPolicyInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dangerFullAccess') }),
  z.object({ type: z.literal('readOnly'), networkAccess: opt(z.boolean()) }),
  z.object({ type: z.literal('externalSandbox'), networkAccess: opt(z.enum(['restricted', 'enabled'])) }),
  z.object({
    type: z.literal('workspaceWrite'),
    writableRoots: opt(z.array(z.string())),
    networkAccess: opt(z.boolean()),
    excludeTmpdirEnvVar: opt(z.boolean()),
    excludeSlashTmp: opt(z.boolean()),
  }),
]);
export type SandboxPolicyInput = z.infer<typeof SandboxPolicyInput>;

const ImageDetail = z.enum(['auto', 'low', 'high', 'original']);

export const UserInputItem = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({
    type: z.literal('image'),
    url: opt(z.string()),
    fileId: opt(z.string()),
    detail: opt(ImageDetail),
  }),
  z.object({ type: z.literal('localImage'), path: z.string(), detail: opt(ImageDetail) }),
  z.object({ type: z.literal('audio'), url: opt(z.string()), fileId: opt(z.string()) }),
  z.object({ type: z.literal('localAudio'), path: z.string() }),
  z.object({ type: z.literal('skill'), name: z.string(), path: z.string() }),
  z.object({ type: z.literal('mention'), name: z.string(), path: z.string() }),
]);
export type UserInputItem = z.infer<typeof UserInputItem>;

/** Settings a client may give when it starts, resumes or forks a thread. */
const threadOverrides = {
  model: opt(z.string()),
  modelProvider: opt(z.string()),
  cwd: opt(z.string()),
  approvalPolicy: opt(AskForApprovalInput),
  sandbox: opt(SandboxModeInput),
  config: opt(z.record(z.string(), z.unknown())),
  baseInstructions: opt(z.string()),
  developerInstructions: opt(z.string()),
};

/** Spool's extension: start a media thread (`spool media`'s tools and instructions; docs/media.md). */
const MediaThreadInput = z.object({
  out: opt(z.string()),
  budgetUsd: opt(z.number().nonnegative()),
  brand: opt(z.string()),
});

export const ThreadStartParams = z.object({
  ...threadOverrides,
  ephemeral: opt(z.boolean()),
  media: opt(MediaThreadInput),
});
export type ThreadStartParams = z.infer<typeof ThreadStartParams>;
export type ThreadOverrides = Omit<ThreadStartParams, 'ephemeral' | 'media'>;

export const ThreadResumeParams = z.object({
  ...threadOverrides,
  threadId: z.string(),
  excludeTurns: opt(z.boolean()),
});

export const ThreadForkParams = z.object({
  ...threadOverrides,
  threadId: z.string(),
  lastTurnId: opt(z.string()),
  ephemeral: opt(z.boolean()),
  excludeTurns: opt(z.boolean()),
});

export const ThreadListParams = z.object({
  cursor: opt(z.string()),
  limit: opt(z.number().int().nonnegative()),
  sortKey: opt(z.enum(['created_at', 'updated_at', 'recency_at', 'section_position'])),
  sortDirection: opt(z.enum(['asc', 'desc'])),
  cwd: opt(z.union([z.string(), z.array(z.string())])),
  modelProviders: opt(z.array(z.string())),
  archived: opt(z.boolean()),
  searchTerm: opt(z.string()),
});
export type ThreadListParams = z.infer<typeof ThreadListParams>;

export const ThreadIdParams = z.object({ threadId: z.string() });
export const ThreadReadParams = z.object({ threadId: z.string(), includeTurns: opt(z.boolean()) });

const CollaborationModeInput = z.object({
  mode: z.enum(['plan', 'default']),
  settings: opt(
    z.looseObject({
      model: opt(z.string()),
      reasoning_effort: opt(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])),
      developer_instructions: opt(z.string()),
    }),
  ),
});

export const SkillsListParams = z.object({ cwds: opt(z.array(z.string())), forceReload: opt(z.boolean()) });

export const TurnStartParams = z.object({
  threadId: z.string(),
  input: z.array(UserInputItem),
  cwd: opt(z.string()),
  approvalPolicy: opt(AskForApprovalInput),
  sandboxPolicy: opt(SandboxPolicyInput),
  model: opt(z.string()),
  effort: opt(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])),
  summary: opt(z.enum(['auto', 'concise', 'detailed', 'none'])),
  outputSchema: z.unknown().optional(),
  /** Spool's extension: spend caps for this turn (absent: the configured `max_turn_*`). */
  maxCostUsd: opt(z.number().positive()),
  maxTokens: opt(z.number().int().positive()),
  /** Codex's (experimental) collaboration mode: `plan` or `default`, for this turn and the next. */
  collaborationMode: opt(CollaborationModeInput),
});
export type TurnStartParams = z.infer<typeof TurnStartParams>;

export const TurnSteerParams = z.object({
  threadId: z.string(),
  input: z.array(UserInputItem),
  expectedTurnId: z.string(),
});

export const TurnInterruptParams = z.object({ threadId: z.string(), turnId: z.string() });

export const ModelListParams = z.object({
  cursor: opt(z.string()),
  limit: opt(z.number().int().nonnegative()),
  includeHidden: opt(z.boolean()),
  modelProvider: opt(z.string()),
});

export const ConfigReadParams = z.object({ cwd: opt(z.string()), includeLayers: opt(z.boolean()) });

export const FsPathParams = z.object({ path: z.string() });
export const FsWriteFileParams = z.object({ path: z.string(), dataBase64: z.string() });

export const CommandExecParams = z.object({
  command: z.array(z.string()),
  cwd: opt(z.string()),
  env: opt(z.record(z.string(), z.string().nullable())),
  timeoutMs: opt(z.number().int()),
  disableTimeout: opt(z.boolean()),
  outputBytesCap: opt(z.number().int().nonnegative()),
  disableOutputCap: opt(z.boolean()),
  processId: opt(z.string()),
  tty: opt(z.boolean()),
  streamStdin: opt(z.boolean()),
  streamStdoutStderr: opt(z.boolean()),
  sandboxPolicy: opt(SandboxPolicyInput),
});
export type CommandExecParams = z.infer<typeof CommandExecParams>;

export const CommandExecProcessParams = z.object({ processId: z.string() });
