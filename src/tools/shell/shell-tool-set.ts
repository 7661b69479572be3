/**
 * The shell tools: `shell`, `shell_command`, `exec_command`, `write_stdin` (Codex's names and
 * shapes), built together for one thread.
 */
import { preloadBashParser } from '../../sandbox/bash-parser.js';
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

/**
 * The four handlers; the exec tools share `sessions` (one manager per thread). Every command passes
 * the bash parser (approvals, apply_patch interception): the tools that take commands load it when
 * the loop prepares them (ToolHandler.prepare), while the model answers the first request.
 */
export function createShellTools(sessions: ExecSessionManager, given: ShellToolsConfig = {}): ShellTools {
  // Every sandboxed command of the thread counts against one process bound.
  const config = { ...given, sandbox: { budget: sessions.processBudget, ...given.sandbox } };
  return {
    shell: { ...createShellTool(config), prepare: preloadBashParser },
    shellCommand: { ...createShellCommandTool(config), prepare: preloadBashParser },
    execCommand: { ...createExecCommandTool(sessions, config), prepare: preloadBashParser },
    writeStdin: createWriteStdinTool(sessions, config),
  };
}
