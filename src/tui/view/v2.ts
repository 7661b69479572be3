/**
 * The parts of Codex's v2 app-server shapes the terminal UI reads (src/app-server/v2-items.ts and
 * v2-shapes.ts produce them). Only what is displayed is typed; everything arrives as parsed JSON.
 */

export interface V2FileChange {
  path: string;
  kind: { type: 'add' | 'delete' | 'update'; move_path?: string | null };
  diff: string;
}

export type V2Item =
  | { type: 'userMessage'; id: string; content: Array<{ type: string; text?: string; url?: string }> }
  | { type: 'agentMessage'; id: string; text: string; phase?: string | null }
  | { type: 'reasoning'; id: string; summary: string[]; content?: string[] }
  | {
      type: 'commandExecution';
      id: string;
      command: string;
      cwd: string;
      status: 'inProgress' | 'completed' | 'failed' | 'declined';
      aggregatedOutput: string | null;
      exitCode: number | null;
      durationMs: number | null;
    }
  | {
      type: 'fileChange';
      id: string;
      changes: V2FileChange[];
      status: 'inProgress' | 'completed' | 'failed' | 'declined';
    }
  | {
      type: 'mcpToolCall';
      id: string;
      server: string;
      tool: string;
      status: string;
      arguments: unknown;
      result: { content: unknown[] } | null;
      error: { message: string } | null;
    }
  | {
      type: 'dynamicToolCall';
      id: string;
      tool: string;
      status: string;
      contentItems?: Array<{ text?: string }>;
    }
  | { type: 'contextCompaction'; id: string }
  | { type: 'enteredReviewMode'; id: string; review: string }
  | { type: 'exitedReviewMode'; id: string; review: string }
  /** Plan mode's proposed plan (Markdown). */
  | { type: 'plan'; id: string; text: string };

export interface V2Turn {
  id: string;
  items: V2Item[];
  status: 'completed' | 'interrupted' | 'failed' | 'inProgress';
  error: { message: string } | null;
}

export interface V2TokenBreakdown {
  totalTokens: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
}

/** Spool's addition to token usage: USD, `null` where the model's price is unknown. */
export interface V2Cost {
  usd: number | null;
  uncachedInputUsd: number | null;
  cachedInputUsd: number | null;
  outputUsd: number | null;
}

export interface V2TokenUsage {
  total: V2TokenBreakdown;
  last: V2TokenBreakdown;
  modelContextWindow: number | null;
  cost?: { total: V2Cost; last: V2Cost; turn: V2Cost };
}

export type V2SandboxPolicy =
  | { type: 'dangerFullAccess' }
  | { type: 'readOnly'; networkAccess?: boolean }
  | { type: 'externalSandbox' }
  | { type: 'workspaceWrite'; writableRoots?: string[]; networkAccess?: boolean };

export interface V2Thread {
  id: string;
  preview: string;
  cwd: string;
  model: string | null;
  modelProvider: string;
  createdAt: number;
  updatedAt: number;
  path: string | null;
  forkedFromId: string | null;
  turns: V2Turn[];
}

/** What thread/start, thread/resume and thread/fork answer. */
export interface V2OpenedThread {
  thread: V2Thread;
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: string;
  sandbox: V2SandboxPolicy;
  reasoningEffort: string | null;
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
