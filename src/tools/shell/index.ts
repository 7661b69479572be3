/**
 * The shell tools: `shell`, `shell_command`, `exec_command`, `write_stdin` (Codex's names and
 * shapes), and the runner under them for whoever needs to run a prepared argv (the sandbox).
 */
import type { ToolHandler } from '../types.js';
import type { ExecSessionManager } from './exec-sessions.js';
import { createExecCommandTool, createWriteStdinTool, type ExecToolsConfig } from './exec-tools.js';
import { createShellCommandTool, createShellTool, type ShellRunConfig } from './shell-tools.js';
import type { ExecCommandArgs, ShellArgs, ShellCommandArgs, WriteStdinArgs } from './specs.js';

export { CommandItemReporter } from './command-item.js';
export { defaultShell, displayCommand, shellInvocation, shellQuote } from './command-line.js';
export {
  ExecSession,
  ExecSessionManager,
  type ExecSessionManagerOptions,
  MAX_EXEC_SESSIONS,
} from './exec-sessions.js';
export { DEFAULT_YIELD_LIMITS, type ExecToolsConfig, type YieldLimits } from './exec-tools.js';
export {
  DEFAULT_MAX_OUTPUT_TOKENS,
  displayOutput,
  type ExecSummary,
  formatShellOutput,
  formatUnifiedExecResponse,
} from './format.js';
export type { CapturedOutput, CaptureLimits, OutputText } from './output-capture.js';
export {
  ManagedProcess,
  type OutputChunk,
  type ProcessExit,
  type ProcessOptions,
  type ProcessSpec,
  type RunOptions,
  type RunResult,
  runProcess,
  TIMEOUT_EXIT_CODE,
} from './process.js';
export { DEFAULT_SHELL_TIMEOUT_MS, runCommandForModel, type ShellRunConfig } from './shell-tools.js';
export { resolveWorkdir } from './workdir.js';

export interface ShellTools {
  shell: ToolHandler<ShellArgs>;
  shellCommand: ToolHandler<ShellCommandArgs>;
  execCommand: ToolHandler<ExecCommandArgs>;
  writeStdin: ToolHandler<WriteStdinArgs>;
}

export type ShellToolsConfig = ShellRunConfig & ExecToolsConfig;

/** The four handlers; the exec tools share `sessions` (one manager per thread). */
export function createShellTools(sessions: ExecSessionManager, given: ShellToolsConfig = {}): ShellTools {
  // Every sandboxed command of the thread counts against one process bound.
  const config = { ...given, sandbox: { budget: sessions.processBudget, ...given.sandbox } };
  return {
    shell: createShellTool(config),
    shellCommand: createShellCommandTool(config),
    execCommand: createExecCommandTool(sessions, config),
    writeStdin: createWriteStdinTool(sessions, config),
  };
}
