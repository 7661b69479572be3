/**
 * `shell` (an argv, run directly) and `shell_command` (a script, run by the user's shell): run to
 * completion with a timeout, answer in Codex's `Exit code / Wall time / Output` text.
 *
 * Every command passes the gate (rules, approval policy, the user's answer) and then runs inside
 * the platform sandbox unless it was approved to run outside it or the sandbox is off. A sandbox
 * that cannot be set up refuses the command. When the policy says so, a sandboxed run that failed
 * the way the sandbox makes things fail is offered to the user to run again outside it.
 */

import type { SandboxLaunchOptions } from '../../sandbox/launch-request.js';
import { sandboxUnavailableMessage } from '../../sandbox/unavailable.js';
import { functionSpec, parseJsonArguments } from '../spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../types.js';
import { type EscalationArgs, gateCommand, type RunForm } from './command-gate.js';
import { CommandItemReporter } from './command-item.js';
import { defaultShell, displayCommand, shellInvocation } from './command-line.js';
import { displayOutput, formatShellOutput } from './format.js';
import { type ProcessOptions, type RunResult, runProcess } from './process.js';
import { askToRetryUnsandboxed, offersUnsandboxedRetry, withNotes, withRefusal } from './sandbox-retry.js';
import { commandSpec, exitMeaning } from './sandboxed-spec.js';
import type { ShellSnapshot } from './shell-snapshot.js';
import { SHELL_COMMAND_DESCRIPTION, SHELL_DESCRIPTION, ShellArgs, ShellCommandArgs } from './specs.js';
import { resolveWorkdir } from './workdir.js';

/** Codex's default timeout for a `shell` command. */
const DEFAULT_SHELL_TIMEOUT_MS = 10_000;

export interface ShellRunConfig {
  /** Timeout when the model gives none. */
  defaultTimeoutMs?: number;
  /** Kill grace, drain timings and capture bounds of each process. */
  process?: Omit<ProcessOptions, 'onOutput'>;
  /** The shell for string commands; `/bin/bash` (or `bash` on PATH) when not set. */
  shell?: string;
  /** Platform sandbox settings (bwrap path, process bound); defaults otherwise. */
  sandbox?: SandboxLaunchOptions;
  /** The thread's login-shell snapshot (`bash -lc` runs as `bash -c` sourcing it); none: off. */
  snapshot?: ShellSnapshot;
}

interface CommandOptions {
  workdir: string | undefined;
  timeoutMs: number | undefined;
  /** The model's approval fields (`sandbox_permissions`, `justification`, `prefix_rule`). */
  escalation?: EscalationArgs;
}

type OneRun =
  | { kind: 'done'; result: ToolResult; run: RunResult; sandboxed: boolean }
  | { kind: 'refused'; result: ToolResult };

/** One run of a gated command with its display item: sandboxed or not, to completion. */
async function runOnce(
  form: RunForm,
  cwd: string,
  sandbox: boolean,
  timeoutMs: number | undefined,
  ctx: ToolContext,
  config: ShellRunConfig,
  itemId: string,
): Promise<OneRun> {
  const argv = form.argv;
  const command = displayCommand(argv);
  const runArgv = config.snapshot ? await config.snapshot.apply(argv, sandbox, ctx) : argv;
  const spec = await commandSpec(runArgv, cwd, sandbox, { ...ctx, env: form.env }, config.sandbox);
  if (!spec.ok) {
    const output = sandboxUnavailableMessage(spec.unavailable, command);
    CommandItemReporter.declined(ctx.items, command, cwd, output, itemId);
    return { kind: 'refused', result: { output, success: false } };
  }
  const item = new CommandItemReporter(ctx.items, command, cwd, itemId);
  item.started();
  const run = await runProcess(spec.spec, {
    ...config.process,
    timeoutMs: timeoutMs ?? config.defaultTimeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS,
    signal: ctx.signal,
    onOutput: (chunk) => item.output(chunk.text),
  });
  const endedByUs = run.timedOut || run.aborted;
  const meaning = exitMeaning(run, spec.sandboxed, argv, endedByUs);
  if (meaning.kind === 'unavailable') {
    item.completed(-1, meaning.message, run.durationMs);
    return { kind: 'refused', result: { output: meaning.message, success: false } };
  }
  const spawnError = meaning.kind === 'not-found' ? meaning.spawnError : run.spawnError;
  if (spawnError !== null) {
    item.completed(-1, '', run.durationMs);
    return {
      kind: 'done',
      result: { output: `execution error: could not start ${spawnError}`, success: false },
      run,
      sandboxed: spec.sandboxed,
    };
  }
  item.completed(run.exitCode, displayOutput(run.output), run.durationMs);
  const output = formatShellOutput({
    exitCode: run.exitCode,
    durationMs: run.durationMs,
    timedOut: run.timedOut,
    aborted: run.aborted,
    signal: endedByUs ? null : run.signal,
    output: run.output,
    totalLines: run.output.totalLines,
  });
  return { kind: 'done', result: { output, success: !endedByUs }, run, sandboxed: spec.sandboxed };
}

/** Runs one prepared argv for the model: gate, workdir, display item, process, formatted answer. */
async function runCommandForModel(
  argv: string[],
  options: CommandOptions,
  ctx: ToolContext,
  config: ShellRunConfig = {},
): Promise<ToolResult> {
  const command = displayCommand(argv);
  const workdir = await resolveWorkdir(ctx.cwd, options.workdir);
  if (!workdir.ok) return { output: workdir.error, success: false };

  // The item's id is known before any approval, so the request and the item share it.
  const itemId = ctx.items.newItemId();
  const gate = await gateCommand(argv, workdir.cwd, options.escalation ?? {}, ctx, itemId);
  if (gate.kind === 'refused') {
    CommandItemReporter.declined(ctx.items, command, workdir.cwd, gate.output, itemId);
    return { output: gate.output, success: false };
  }
  const first = await runOnce(gate.form, workdir.cwd, gate.sandbox, options.timeoutMs, ctx, config, itemId);
  if (first.kind === 'refused') return first.result;
  const firstResult = withNotes(first.result, gate.notes);
  if (!offersUnsandboxedRetry(gate, first.sandboxed, first.run, first.run.timedOut || first.run.aborted))
    return firstResult;
  const retry = await askToRetryUnsandboxed(ctx, gate, workdir.cwd, first.run);
  if (!retry.answer.approved) return withRefusal(firstResult, retry.answer.output);
  const second = await runOnce(
    gate.unsandboxedForm,
    workdir.cwd,
    false,
    options.timeoutMs,
    ctx,
    config,
    retry.itemId,
  );
  return withNotes(second.result, retry.answer.notes);
}

/** The approval fields present in a tool call's arguments. */
export function escalationOf(args: EscalationArgs): EscalationArgs {
  return {
    ...(args.sandbox_permissions !== undefined ? { sandbox_permissions: args.sandbox_permissions } : {}),
    ...(args.justification !== undefined ? { justification: args.justification } : {}),
    ...(args.prefix_rule !== undefined ? { prefix_rule: args.prefix_rule } : {}),
  };
}

export function createShellTool(config: ShellRunConfig = {}): ToolHandler<ShellArgs> {
  return {
    name: 'shell',
    spec: functionSpec('shell', SHELL_DESCRIPTION, ShellArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments('shell', raw, ShellArgs),
    run: (args, ctx) =>
      runCommandForModel(
        args.command,
        { workdir: args.workdir, timeoutMs: args.timeout_ms, escalation: escalationOf(args) },
        ctx,
        config,
      ),
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
      return runCommandForModel(
        argv,
        { workdir: args.workdir, timeoutMs: args.timeout_ms, escalation: escalationOf(args) },
        ctx,
        config,
      );
    },
  };
}
