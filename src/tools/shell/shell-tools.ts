/**
 * `shell` (an argv, run directly) and `shell_command` (a script, run by the user's shell): run to
 * completion with a timeout, answer in Codex's `Exit code / Wall time / Output` text.
 */
import { functionSpec, parseJsonArguments } from '../spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../types.js';
import { CommandItemReporter } from './command-item.js';
import { defaultShell, displayCommand, shellInvocation } from './command-line.js';
import { displayOutput, formatShellOutput } from './format.js';
import { type ProcessOptions, runProcess } from './process.js';
import { canRunUnsandboxed, refusalMessage } from './run-policy.js';
import { SHELL_COMMAND_DESCRIPTION, SHELL_DESCRIPTION, ShellArgs, ShellCommandArgs } from './specs.js';
import { resolveWorkdir } from './workdir.js';

/** Codex's default timeout for a `shell` command. */
export const DEFAULT_SHELL_TIMEOUT_MS = 10_000;

export interface ShellRunConfig {
  /** Timeout when the model gives none. */
  defaultTimeoutMs?: number;
  /** Kill grace, drain timings and capture bounds of each process. */
  process?: Omit<ProcessOptions, 'onOutput'>;
  /** The shell for string commands; `/bin/bash` (or `bash` on PATH) when not set. */
  shell?: string;
}

/** Runs one prepared argv for the model: refusal, workdir, display item, process, formatted answer. */
export async function runCommandForModel(
  argv: string[],
  options: { workdir: string | undefined; timeoutMs: number | undefined },
  ctx: ToolContext,
  config: ShellRunConfig = {},
): Promise<ToolResult> {
  const command = displayCommand(argv);
  if (!canRunUnsandboxed(ctx)) {
    CommandItemReporter.declined(ctx.items, command, ctx.cwd);
    return { output: refusalMessage(ctx, command), success: false };
  }
  const workdir = await resolveWorkdir(ctx.cwd, options.workdir);
  if (!workdir.ok) return { output: workdir.error, success: false };

  const item = new CommandItemReporter(ctx.items, command, workdir.cwd);
  item.started();
  const result = await runProcess(
    { argv, cwd: workdir.cwd, env: ctx.env },
    {
      ...config.process,
      timeoutMs: options.timeoutMs ?? config.defaultTimeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS,
      signal: ctx.signal,
      onOutput: (chunk) => item.output(chunk.text),
    },
  );
  if (result.spawnError !== null) {
    item.completed(-1, '', result.durationMs);
    return { output: `execution error: could not start ${result.spawnError}`, success: false };
  }
  item.completed(result.exitCode, displayOutput(result.output), result.durationMs);
  const endedByUs = result.timedOut || result.aborted;
  const output = formatShellOutput({
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    aborted: result.aborted,
    signal: endedByUs ? null : result.signal,
    output: result.output,
    totalLines: result.output.totalLines,
  });
  return { output, success: !endedByUs };
}

export function createShellTool(config: ShellRunConfig = {}): ToolHandler<ShellArgs> {
  return {
    name: 'shell',
    spec: functionSpec('shell', SHELL_DESCRIPTION, ShellArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments('shell', raw, ShellArgs),
    run: (args, ctx) =>
      runCommandForModel(args.command, { workdir: args.workdir, timeoutMs: args.timeout_ms }, ctx, config),
  };
}

export function createShellCommandTool(config: ShellRunConfig = {}): ToolHandler<ShellCommandArgs> {
  return {
    name: 'shell_command',
    spec: functionSpec('shell_command', SHELL_COMMAND_DESCRIPTION, ShellCommandArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments('shell_command', raw, ShellCommandArgs),
    run: (args, ctx) => {
      const argv = shellInvocation(config.shell ?? defaultShell(), args.command, args.login ?? true);
      return runCommandForModel(argv, { workdir: args.workdir, timeoutMs: args.timeout_ms }, ctx, config);
    },
  };
}
