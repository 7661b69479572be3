/**
 * command/exec: one command (argv) run for the client outside any thread, under the server's
 * sandbox policy (or the one the request gives), with its output buffered per stream or streamed
 * as `command/exec/outputDelta`. command/exec/terminate ends one by its client-given processId.
 * PTYs and stdin (tty, streamStdin, command/exec/write, command/exec/resize) are not supported.
 */

import fs from 'node:fs';
import path from 'node:path';
import { sandboxWiderThan } from '../../agent/settings-bounds.js';
import { spoolHome } from '../../config/home.js';
import type { CommandExecResponse } from '../../protocol/app-server-v2.js';
import { prepareSandboxedLaunch } from '../../sandbox/launch.js';
import { sandboxUnavailableMessage } from '../../sandbox/unavailable.js';
import { displayCommand } from '../../tools/shell/command-line.js';
import { type OutputChunk, type ProcessSpec, runProcess } from '../../tools/shell/process.js';
import { exitMeaning } from '../../tools/shell/sandboxed-spec.js';
import type { Connection } from '../connection.js';
import { invalidParams, invalidRequest } from '../jsonrpc.js';
import { CommandExecParams, CommandExecProcessParams, type CommandExecParams as Params } from '../params.js';
import { defineMethod, type MethodContext, type MethodTable } from '../router.js';
import { serverSettings } from '../runtime.js';
import { sandboxPolicyIn } from '../v2-shapes.js';

const DEFAULT_TIMEOUT_MS = 60_000;

/** Why a network client's request is bounded (see Connection.ownSession). */
export const NETWORK_CLIENT_BOUND =
  "(the server's own sandbox: a client connected over the network may only narrow it)";

/** The running commands of each connection, by their client-given processId. */
export class CommandProcesses {
  private readonly byConnection = new WeakMap<Connection, Map<string, AbortController>>();

  register(connection: Connection, processId: string, controller: AbortController): () => void {
    let running = this.byConnection.get(connection);
    if (!running) {
      const created = new Map<string, AbortController>();
      running = created;
      this.byConnection.set(connection, created);
      // The client went away: its commands end with it.
      connection.cleanups.add(() => {
        for (const c of created.values()) c.abort();
      });
    }
    if (running.has(processId))
      throw invalidRequest(`a command with processId ${processId} is already running`);
    running.set(processId, controller);
    return () => running.delete(processId);
  }

  terminate(connection: Connection, processId: string): void {
    const controller = this.byConnection.get(connection)?.get(processId);
    if (!controller) throw invalidRequest(`no running command/exec has processId ${processId}`);
    controller.abort();
  }
}

/** One stream's output, kept up to `cap` bytes. */
class StreamCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly cap: number | undefined) {}

  /** The part of `bytes` within the cap. */
  take(bytes: Buffer): Buffer {
    if (this.cap === undefined) return bytes;
    const room = Math.max(0, this.cap - this.kept);
    if (bytes.length > room) this.truncated = true;
    const part = bytes.subarray(0, room);
    this.kept += part.length;
    return part;
  }

  add(bytes: Buffer): void {
    const part = this.take(bytes);
    if (part.length > 0) this.chunks.push(part);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function checkParams(params: Params): void {
  if (params.command.length === 0) throw invalidParams('command must not be empty');
  if (params.tty || params.streamStdin)
    throw invalidParams('tty and streamStdin are not supported by Spool (no PTY or stdin for command/exec)');
  if (params.streamStdoutStderr && !params.processId)
    throw invalidParams('streamStdoutStderr needs a processId');
  if (params.timeoutMs != null && params.disableTimeout)
    throw invalidParams('give timeoutMs or disableTimeout, not both');
  if (params.timeoutMs != null && params.timeoutMs <= 0) throw invalidParams('timeoutMs must be positive');
  if (params.outputBytesCap != null && params.disableOutputCap)
    throw invalidParams('give outputBytesCap or disableOutputCap, not both');
}

async function runCommand(
  ctx: MethodContext,
  processes: CommandProcesses,
  params: Params,
): Promise<CommandExecResponse> {
  checkParams(params);
  const server = ctx.server.ctx;
  const base = server.flags.cwd ?? process.cwd();
  const cwd = path.resolve(base, params.cwd ?? '.');
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())
    throw invalidParams(`working directory ${cwd} does not exist`);
  // The human's own session may run anywhere it asks (its cwd is the session's); a network client
  // stays within the server's sandbox and the server's writable roots, wherever its command runs.
  const own = ctx.connection.ownSession;
  const settings = serverSettings(ctx.server.ctx, own ? cwd : undefined);
  const sessionCwd = own ? cwd : settings.cwd;
  const env: NodeJS.ProcessEnv = { ...settings.shellEnv };
  for (const [name, value] of Object.entries(params.env ?? {})) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  const sandbox = params.sandboxPolicy
    ? sandboxPolicyIn(params.sandboxPolicy, settings.sandbox, sessionCwd)
    : settings.sandbox;
  if (!own) {
    const wider = settings.bypassSandbox
      ? undefined
      : sandboxWiderThan(settings.sandbox, sandbox, NETWORK_CLIENT_BOUND);
    if (wider) throw invalidRequest(`command/exec refused: ${wider}`);
  }
  const argv = params.command;
  let spec: ProcessSpec = { argv, cwd, env };
  const sandboxed = !settings.bypassSandbox && sandbox.mode !== 'danger-full-access';
  if (sandboxed) {
    const prepared = await prepareSandboxedLaunch({
      command: argv,
      cwd,
      sessionCwd,
      env,
      sandbox,
      spoolHome: spoolHome(server.env),
    });
    if (!prepared.ok)
      throw invalidRequest(sandboxUnavailableMessage(prepared.unavailable, displayCommand(argv)));
    const { launch } = prepared;
    spec = { argv: launch.argv, cwd, env: launch.env, extraFds: launch.extraFds, cleanup: launch.cleanup };
  }

  const cap = params.disableOutputCap
    ? undefined
    : (params.outputBytesCap ?? server.limits.commandOutputBytes);
  const captures = { stdout: new StreamCapture(cap), stderr: new StreamCapture(cap) };
  const stream = params.streamStdoutStderr === true;
  const processId = params.processId ?? undefined;
  const controller = new AbortController();
  const unregister = processId ? processes.register(ctx.connection, processId, controller) : () => {};
  const onOutput = (chunk: OutputChunk) => {
    const capture = captures[chunk.stream];
    if (!stream || processId === undefined) {
      capture.add(chunk.bytes);
      return;
    }
    const wasTruncated = capture.truncated;
    const part = capture.take(chunk.bytes);
    if (part.length === 0 && (wasTruncated || !capture.truncated)) return;
    ctx.connection.notify('command/exec/outputDelta', {
      processId,
      stream: chunk.stream,
      deltaBase64: part.toString('base64'),
      capReached: capture.truncated,
    });
  };
  try {
    const run = await runProcess(spec, {
      onOutput,
      signal: controller.signal,
      ...(params.disableTimeout ? {} : { timeoutMs: params.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
    });
    if (run.spawnError !== null)
      throw invalidRequest(`cannot run ${displayCommand(argv)}: ${run.spawnError}`);
    const meaning = exitMeaning(run, sandboxed, argv, run.timedOut || run.aborted);
    if (meaning.kind === 'unavailable') throw invalidRequest(meaning.message);
    if (meaning.kind === 'not-found')
      throw invalidRequest(`cannot run ${displayCommand(argv)}: ${meaning.spawnError}`);
    return {
      exitCode: run.exitCode,
      stdout: stream ? '' : captures.stdout.text(),
      stderr: stream ? '' : captures.stderr.text(),
    };
  } finally {
    unregister();
  }
}

export function commandExecMethods(processes: CommandProcesses): MethodTable {
  const unsupported = (what: string) =>
    defineMethod(CommandExecProcessParams, (_ctx, params) => {
      throw invalidRequest(
        `${what} is not supported by Spool: command/exec ${params.processId} has no stdin or terminal (tty and streamStdin are not supported)`,
      );
    });
  return {
    'command/exec': defineMethod(CommandExecParams, (ctx, params) => runCommand(ctx, processes, params)),
    'command/exec/terminate': defineMethod(CommandExecProcessParams, (ctx, params) => {
      processes.terminate(ctx.connection, params.processId);
      return {};
    }),
    'command/exec/write': unsupported('command/exec/write'),
    'command/exec/resize': unsupported('command/exec/resize'),
  };
}
