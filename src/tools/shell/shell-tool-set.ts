/**
 * The shell tools: `shell`, `shell_command`, `exec_command`, `write_stdin` (Codex's names and
 * shapes), built together for one thread.
 */
import type { ToolHandler } from '../types.js';
import type { ExecSessionManager } from './exec-sessions.js';
import { createExecCommandTool, createWriteStdinTool, type ExecToolsConfig } from './exec-tools.js';
import { createShellCommandTool, createShellTool, type ShellRunConfig } from './shell-tools.js';
import type { ExecCommandArgs, ShellArgs, ShellCommandArgs, WriteStdinArgs } from './specs.js';

interface ShellTools {
  shell: ToolHandler<ShellArgs>;
  shellCommand: ToolHandler<ShellCommandArgs>;
  execCommand: ToolHandler<ExecCommandArgs>;
  writeStdin: ToolHandler<WriteStdinArgs>;
}

type ShellToolsConfig = ShellRunConfig & ExecToolsConfig;

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
