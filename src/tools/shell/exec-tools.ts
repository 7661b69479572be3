/**
 * `exec_command` and `write_stdin` (Codex's unified exec): a command runs in a session; a call waits
 * up to its yield time and returns the output so far, with the exit code when the process has
 * finished or a session id to poll or write to while it runs.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxLaunchOptions } from '../../sandbox/launch-request.js';
import { sandboxUnavailableMessage } from '../../sandbox/unavailable.js';
import { functionSpec, parseJsonArguments } from '../spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../types.js';
import { gateCommand, gateSessionInput, type RunForm } from './command-gate.js';
import { CommandItemReporter } from './command-item.js';
import { defaultShell, displayCommand, shellInvocation } from './command-line.js';
import { ExecSession, type ExecSessionManager } from './exec-sessions.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, formatUnifiedExecResponse } from './format.js';
import { askToRetryUnsandboxed, offersUnsandboxedRetry, withNotes, withRefusal } from './sandbox-retry.js';
import { commandSpec, exitMeaning } from './sandboxed-spec.js';
import type { ShellSnapshot } from './shell-snapshot.js';
import { escalationOf } from './shell-tools.js';
import {
  EXEC_COMMAND_DESCRIPTION,
  ExecCommandArgs,
  WRITE_STDIN_DESCRIPTION,
  WriteStdinArgs,
} from './specs.js';
import { approxTokensFromBytes } from './truncate.js';
import { resolveWorkdir } from './workdir.js';

/** Codex's yield bounds (milliseconds). */
export interface YieldLimits {
  /** `exec_command` default. */
  execDefault: number;
  /** `write_stdin` default. */
  writeDefault: number;
  min: number;
  max: number;
  /** An empty poll waits at least this long (unless the process exits), so polling is not a busy loop. */
  minEmptyPoll: number;
  maxEmptyPoll: number;
}

const DEFAULT_YIELD_LIMITS: YieldLimits = {
  execDefault: 10_000,
  writeDefault: 250,
  min: 250,
  max: 30_000,
  minEmptyPoll: 5_000,
  maxEmptyPoll: 300_000,
};

export interface ExecToolsConfig {
  yields?: Partial<YieldLimits>;
  /** The shell when the model names none; `/bin/bash` (or `bash` on PATH) when not set. */
  shell?: string;
  /** Platform sandbox settings (bwrap path, process bound); defaults otherwise. */
  sandbox?: SandboxLaunchOptions;
  /** The thread's login-shell snapshot (see shell-snapshot.ts); none: every `-lc` is a login shell. */
  snapshot?: ShellSnapshot;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** The answer for a session after a wait: new output, and the exit code or the session id. */
function respond(
  sessions: ExecSessionManager,
  session: ExecSession,
  toolName: string,
  callStart: number,
  maxOutputTokens: number | undefined,
): ToolResult {
  const exit = session.exited;
  if (exit && session.refusal !== undefined) {
    sessions.remove(session.id);
    return { output: session.refusal, success: false };
  }
  if (exit?.spawnError) {
    sessions.remove(session.id);
    return {
      output: `${toolName} failed: Failed to create unified exec process: ${exit.spawnError}`,
      success: false,
    };
  }
  const output = session.takePending();
  if (exit) sessions.remove(session.id);
  const text = formatUnifiedExecResponse({
    chunkId: randomBytes(3).toString('hex'),
    wallTimeMs: performance.now() - callStart,
    exitCode: exit ? exit.exitCode : null,
    sessionId: exit ? null : session.id,
    output,
    totalLines: output.totalLines,
    originalTokenCount: approxTokensFromBytes(output.totalBytes),
    maxOutputTokens: maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
  });
  return { output: text, success: true };
}

/**
 * Writes the model's characters to the session. Plain pipes have no terminal to turn control
 * characters into actions, so the two a model sends most are emulated: Ctrl-C interrupts the
 * process group (SIGINT) and Ctrl-D closes stdin (end of input).
 */
function deliverInput(session: ExecSession, chars: string): boolean {
  let rest = chars;
  while (rest !== '') {
    const at = rest.search(/[\u0003\u0004]/);
    const text = at === -1 ? rest : rest.slice(0, at);
    if (text !== '' && !session.process.write(text)) return false;
    if (at === -1) break;
    if (rest[at] === CTRL_C) session.process.interrupt();
    if (rest[at] === CTRL_D) session.process.endStdin();
    rest = rest.slice(at + 1);
  }
  return true;
}

export function createExecCommandTool(
  sessions: ExecSessionManager,
  config: ExecToolsConfig = {},
): ToolHandler<ExecCommandArgs> {
  const yields = { ...DEFAULT_YIELD_LIMITS, ...config.yields };
  return {
    name: 'exec_command',
    spec: functionSpec('exec_command', EXEC_COMMAND_DESCRIPTION, ExecCommandArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments('exec_command', raw, ExecCommandArgs),
    run: async (args, ctx: ToolContext) => {
      const shell =
        args.shell === undefined || args.shell === '' ? (config.shell ?? defaultShell()) : args.shell;
      const argv = shellInvocation(shell, args.cmd, args.login ?? true);
      const command = displayCommand(argv);
      const workdir = await resolveWorkdir(ctx.cwd, args.workdir);
      if (!workdir.ok) return { output: workdir.error, success: false };
      const itemId = ctx.items.newItemId();
      const gate = await gateCommand(argv, workdir.cwd, escalationOf(args), ctx, itemId);
      if (gate.kind === 'refused') {
        CommandItemReporter.declined(ctx.items, command, workdir.cwd, gate.output, itemId);
        return { output: gate.output, success: false };
      }
      const yieldMs = clamp(args.yield_time_ms ?? yields.execDefault, yields.min, yields.max);

      /** Starts a session (in the sandbox or not) and waits for its first yield. */
      const start = async (
        form: RunForm,
        sandbox: boolean,
        approvedUnsandboxed: boolean,
        id: string,
      ): Promise<ExecSession | ToolResult> => {
        const command = displayCommand(form.argv);
        const runArgv = config.snapshot ? await config.snapshot.apply(form.argv, sandbox, ctx) : form.argv;
        const spec = await commandSpec(
          runArgv,
          workdir.cwd,
          sandbox,
          { ...ctx, env: form.env },
          config.sandbox,
        );
        if (!spec.ok) {
          const output = sandboxUnavailableMessage(spec.unavailable, command);
          CommandItemReporter.declined(ctx.items, command, workdir.cwd, output, id);
          return { output, success: false };
        }
        const item = new CommandItemReporter(ctx.items, command, workdir.cwd, id);
        item.started();
        const session = sessions.start(
          spec.spec,
          item,
          spec.sandboxed
            ? (exit, endedByUs) => {
                const meaning = exitMeaning(exit, true, argv, endedByUs);
                if (meaning.kind === 'unavailable') return { refusal: meaning.message };
                if (meaning.kind === 'not-found') return { spawnError: meaning.spawnError };
                return undefined;
              }
            : undefined,
        );
        session.inputGate = {
          argv: form.argv,
          cwd: workdir.cwd,
          env: form.env,
          approvedUnsandboxed,
          sandboxed: spec.sandboxed,
          readsCommands: gate.analysis.readsInput.length > 0,
          readOnly: spec.sandboxed && ctx.sandbox.mode === 'read-only',
        };
        await session.waitUntil(session.startedAt + yieldMs, ctx.signal);
        return session;
      };

      const first = await start(gate.form, gate.sandbox, gate.approvedUnsandboxed, itemId);
      if (!(first instanceof ExecSession)) return first;
      const exit = first.exited;
      if (
        exit === undefined ||
        first.refusal !== undefined ||
        !offersUnsandboxedRetry(gate, gate.sandbox, exit, false)
      )
        return withNotes(
          respond(sessions, first, 'exec_command', first.startedAt, args.max_output_tokens),
          gate.notes,
        );
      const retry = await askToRetryUnsandboxed(ctx, gate, workdir.cwd, exit);
      if (!retry.answer.approved)
        return withRefusal(
          respond(sessions, first, 'exec_command', first.startedAt, args.max_output_tokens),
          retry.answer.output,
        );
      sessions.remove(first.id);
      const second = await start(gate.unsandboxedForm, false, true, retry.itemId);
      if (!(second instanceof ExecSession)) return second;
      return withNotes(
        respond(sessions, second, 'exec_command', second.startedAt, args.max_output_tokens),
        retry.answer.notes,
      );
    },
  };
}

export function createWriteStdinTool(
  sessions: ExecSessionManager,
  config: ExecToolsConfig = {},
): ToolHandler<WriteStdinArgs> {
  const yields = { ...DEFAULT_YIELD_LIMITS, ...config.yields };
  return {
    name: 'write_stdin',
    spec: functionSpec('write_stdin', WRITE_STDIN_DESCRIPTION, WriteStdinArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments('write_stdin', raw, WriteStdinArgs),
    run: async (args, ctx: ToolContext) => {
      const session = sessions.get(args.session_id);
      if (!session) {
        return { output: `write_stdin failed: Unknown process id ${args.session_id}`, success: false };
      }
      const callStart = performance.now();
      const chars = args.chars ?? '';
      if (chars !== '') {
        // Input to a session approved to run outside the sandbox, or to a shell reading its
        // commands from it, passes the gate like a command of its own.
        if (session.inputGate) {
          const gate = await gateSessionInput(session.inputGate, chars, ctx);
          if (!gate.ok) return { output: gate.output, success: false };
        }
        if (!deliverInput(session, chars) && !session.exited && session.process.running) {
          return { output: 'write_stdin failed: stdin is closed for this session', success: false };
        }
      }
      session.item.rebind(ctx.items);
      const requested = Math.max(args.yield_time_ms ?? yields.writeDefault, yields.min);
      const yieldMs =
        chars === ''
          ? clamp(requested, yields.minEmptyPoll, yields.maxEmptyPoll)
          : Math.min(requested, yields.max);
      await session.waitUntil(callStart + yieldMs, ctx.signal);
      return respond(sessions, session, 'write_stdin', callStart, args.max_output_tokens);
    },
  };
}
