/**
 * The contract between the agent loop and a tool.
 *
 * A tool owns three things: its wire spec (what the model sees), how its raw call input is parsed
 * and validated, and how it runs. The loop owns scheduling, ordering of outputs, aborts and history.
 */

import type {
  ApprovalDecision,
  ApprovalRequest,
  ThreadItem,
  UserInputAnswers,
  UserInputQuestion,
} from '../protocol/events.js';

/** The user's answer to an approval request, with why when it was decided without asking. */
export interface ApprovalOutcome {
  decision: ApprovalDecision;
  reason?: string;
  /** Who decided: the automatic reviewer (`approvals_reviewer = "auto_review"`), else a person. */
  decidedBy?: 'reviewer';
}

/** Who the model is told decided an approval (in "… rejected by <who>"). */
export function decider(outcome: ApprovalOutcome): string {
  return outcome.decidedBy === 'reviewer' ? 'the automatic approval reviewer' : 'user';
}

import type { ContentPart } from '../protocol/items.js';
import type { ApprovalPolicy, SandboxPolicy } from '../protocol/policy.js';
import type { CollaborationMode } from '../protocol/settings.js';
import type { ToolSpec } from '../protocol/tool-spec.js';

export type ParseResult<A> = { ok: true; args: A } | { ok: false; error: string };

/** What a tool hands back: the text (or parts) the model sees as the call's output. */
export interface ToolResult {
  output: string | ContentPart[];
  /** False when the call failed (bad input, refused, non-zero exit is still success=true). */
  success: boolean;
}

/** Display items a tool shows while it runs (command executions, file changes, …). */
export interface ToolItemSink {
  newItemId(): string;
  started(item: ThreadItem): void;
  updated(item: ThreadItem): void;
  completed(item: ThreadItem): void;
  /** Streaming output for a command item. */
  outputDelta(itemId: string, delta: string): void;
}

export interface ToolContext {
  /** The turn's working directory (absolute). */
  cwd: string;
  callId: string;
  turnId: string;
  /** Aborted when the turn is interrupted; the tool must stop and clean up (kill process groups). */
  signal: AbortSignal;
  sandbox: SandboxPolicy;
  approvalPolicy: ApprovalPolicy;
  /** `--dangerously-bypass-approvals-and-sandbox`: no sandbox, no approvals. */
  bypassSandbox: boolean;
  /** Environment for commands (already filtered by the shell environment policy). */
  env: NodeJS.ProcessEnv;
  /** Spool's home (config, sessions): never writable from tools, wherever it lives. */
  spoolHome?: string;
  items: ToolItemSink;
  /**
   * Asks the user (through the front end) and waits for the decision. Resolves `abort` when the
   * turn is interrupted while waiting.
   */
  requestApproval(request: Omit<ApprovalRequest, 'id'>): Promise<ApprovalOutcome>;
  /** What the user approved "for this session" in this thread (exact keys, never widened). */
  sessionApprovals: Set<string>;
  /** Tells the user something went wrong that the tool still got past (a warning event). */
  warn?(message: string): void;
  /**
   * `plan`: nothing may be written. The sandbox above is already read-only; tools also refuse what
   * would write outside it (apply_patch, escalation, writing MCP tools). Absent: `default`.
   */
  collaborationMode?: CollaborationMode;
  /** `request_user_input` may be used in default mode too. */
  userInputInDefaultMode?: boolean;
  /**
   * Asks the user questions and waits (request_user_input). Without answers, `reason` says why (no
   * one can answer, the turn was interrupted) for the model.
   */
  requestUserInput?(questions: UserInputQuestion[]): Promise<UserInputOutcome>;
}

/** The user's answers to request_user_input, or why there are none. */
export type UserInputOutcome = { answers: UserInputAnswers } | { answers?: undefined; reason: string };

export interface ToolHandler<A = unknown> {
  name: string;
  spec: ToolSpec;
  /**
   * True when the tool may run concurrently with other parallel tools (read-only work).
   * Tools that change state run alone: the loop holds a write lock for them.
   */
  parallel: boolean;
  /**
   * Validates the call's raw input: JSON arguments when the model made a `function_call`, free text
   * when it made a `custom_tool_call`. A tool may accept both shapes (apply_patch does).
   */
  parse(raw: string, shape: 'function' | 'custom'): ParseResult<A>;
  run(args: A, ctx: ToolContext): Promise<ToolResult>;
  /**
   * Starts loading what this tool's calls will need (the shell tools: the bash parser), so the first
   * call does not wait for it. Never throws; a failure surfaces at the first call. The loop calls it
   * once a model request is on the wire (its response has begun), never before, so preparing a tool
   * never delays a request (issue 18: launch → first request).
   */
  prepare?(): void;
}
