/** Everything a thread needs to know about how it runs, resolved from config and flags. */

import type { ToolLimits } from '../config/tool-limits.js';
import type { OutputSchema } from '../model/output-schema.js';
import type { ModelRequest } from '../model/types.js';
import type { ApprovalPolicy, SandboxPolicy } from '../sandbox/policy.js';
import type { TurnRetryPolicy } from './turn.js';

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
  reasoning?: ModelRequest['reasoning'];
  verbosity?: ModelRequest['verbosity'];
  /** The final message's JSON Schema, prepared for the API (see model/output-schema.ts). */
  outputSchema?: OutputSchema;
  parallelToolCalls: boolean;
  retry: TurnRetryPolicy;
  spoolHome: string;
  projectDocMaxBytes: number;
  projectDocFallbackFilenames: string[];
  /** Bounds on tool call inputs and patch targets (defaults when absent). */
  toolLimits?: ToolLimits;
  /** The model's context window in tokens (catalog, or `model_context_window`). */
  contextWindow: number;
  /** Compact when the next request would carry this many tokens (default 90 % of the window). */
  autoCompactTokenLimit: number;
  /** `auto`: the provider's /responses/compact where available, else a local checkpoint. */
  compaction: 'auto' | 'remote' | 'local';
}
