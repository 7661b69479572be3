/** Everything a thread needs to know about how it runs, resolved from config and flags. */

import type { ApprovalPolicy, SandboxPolicy } from './policy.js';

/** `minimal` | `low` | `medium` | `high` | `xhigh` | `none` …: passed through as configured. */
export type ReasoningEffort = string;
export type ReasoningSummary = 'auto' | 'concise' | 'detailed' | 'none';
export type Verbosity = 'low' | 'medium' | 'high';

/** A structured-output schema as sent (model/output-schema.ts prepares it from the user's). */
export interface OutputSchema {
  schema: Record<string, unknown>;
  /** Sent with `strict: true` (the answer is constrained to the schema) or as a hint. */
  strict: boolean;
}

/** How a turn retries a failed model request (see agent/turn.ts). */
export interface TurnRetryPolicy {
  /** Retries for failures before a response started (HTTP errors, refused connections). */
  requestMaxRetries: number;
  /** Retries for streams that broke after they started (closed, idle, malformed). */
  streamMaxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Random spread of each delay, as a fraction of it (0.1 = ±10 %). */
  jitter: number;
}

/**
 * Bounds on what one tool call may carry (`tool_arguments_max_bytes`) and on the files apply_patch
 * reads (`apply_patch_max_file_bytes`).
 */
export interface ToolLimits {
  /** The most bytes (UTF-8) one call's raw input may have: JSON arguments, or a freeform patch. */
  argumentsMaxBytes: number;
  /** apply_patch refuses a target file larger than this before reading it. */
  patchFileMaxBytes: number;
}

/**
 * A model's price in USD per million tokens (the catalog's, or `[model_prices.<model>]`). Output
 * includes reasoning tokens, as providers bill them. Media models are priced per generation or
 * per second of output.
 */
export interface ModelPrice {
  input: number;
  /** Input served from the prompt cache. */
  cachedInput: number;
  output: number;
  perGeneration?: number;
  perSecond?: number;
}

/** Caps on spend (`max_cost_usd`, `max_tokens`); tokens are input (cached included) plus output. */
export interface BudgetCaps {
  maxCostUsd?: number;
  maxTokens?: number;
}

/** Caps for one turn and for the whole session (all turns, all processes that ran it). */
export interface BudgetSettings {
  turn?: BudgetCaps;
  session?: BudgetCaps;
}

/**
 * Codex's collaboration modes. `plan`: the model explores and proposes a plan, and the harness
 * refuses every write (read-only sandbox, no escalation, apply_patch and writing tools refused).
 */
export type CollaborationMode = 'default' | 'plan';

/** Agent Skills: where they are found and how much of the first messages their catalog may take. */
export interface SkillsSettings {
  /** `skills.enabled = false`: no catalog, no `$name` mentions. */
  enabled: boolean;
  /** `~` (for `~/.agents/skills`); without it only the Spool home and the project are searched. */
  userHome?: string;
  /** `$CODEX_HOME` (default `~/.codex`), for `$CODEX_HOME/skills`. */
  codexHome?: string;
  /** The catalog's budget in characters (2 % of a known window, else 8,000, unless configured). */
  catalogBudgetChars: number;
  /** SKILL.md paths turned off (`[[skills.config]] path = … enabled = false`, Codex's key). */
  disabledPaths?: string[];
}

export interface ThreadSettings {
  model: string;
  /** Absolute working directory of the thread. */
  cwd: string;
  baseInstructions: string;
  developerInstructions?: string;
  sandbox: SandboxPolicy;
  approvalPolicy: ApprovalPolicy;
  /** `--dangerously-bypass-approvals-and-sandbox`. */
  bypassSandbox: boolean;
  /** Environment given to commands, already filtered. */
  shellEnv: NodeJS.ProcessEnv;
  reasoning?: { effort?: ReasoningEffort; summary?: ReasoningSummary };
  verbosity?: Verbosity;
  /** The final message's JSON Schema, prepared for the API (see model/output-schema.ts). */
  outputSchema?: OutputSchema;
  parallelToolCalls: boolean;
  retry: TurnRetryPolicy;
  spoolHome: string;
  projectDocMaxBytes: number;
  projectDocFallbackFilenames: string[];
  /** Bounds on tool call inputs and patch targets (defaults when absent). */
  toolLimits?: ToolLimits;
  /** `[features] shell_snapshot` (default true): login-shell commands source a per-session snapshot. */
  shellSnapshot?: boolean;
  /** The model's context window in tokens (catalog, or `model_context_window`). */
  contextWindow: number;
  /** Compact when the next request would carry this many tokens (default 90 % of the window). */
  autoCompactTokenLimit: number;
  /** `auto`: the provider's /responses/compact where available, else a local checkpoint. */
  compaction: 'auto' | 'remote' | 'local';
  /** `[model_prices.<model>]`: prices that replace the catalog's, by exact model name. */
  modelPrices?: Record<string, ModelPrice>;
  /** Spend caps checked before every model request (agent/budget.ts). */
  budget?: BudgetSettings;
  /** Skills discovery and catalog (absent: the project's and the Spool home's, default budget). */
  skills?: SkillsSettings;
  /** Absent: `default`. */
  collaborationMode?: CollaborationMode;
  /** `request_user_input` is offered in default mode too (`features.default_mode_request_user_input`). */
  userInputInDefaultMode?: boolean;
}
