/**
 * The stdio transport for MCP servers Spool starts.
 *
 * Unlike the SDK's, it starts the server in its own process group (servers launched through `npx`
 * or a shell script are a tree: killing the direct child would leave the real server running),
 * writes the server's stderr straight into a log file (never the terminal), and can kill a hung
 * server at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { expectErrno, expectSystemError, GONE } from '../../protocol/errors.js';

interface StdioServerProcess {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Where the server's stderr goes (appended). */
  logFile: string;
}

/** How long a closing server may take to exit after its stdin closed, and after SIGTERM. */
const CLOSE_GRACE_MS = 1_000;
/** A log larger than this is moved to `<file>.1` when the server starts again. */
const MAX_LOG_BYTES = 5 * 1024 * 1024;

function openLog(file: string): number | undefined {
  try {
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (size > MAX_LOG_BYTES) fs.renameSync(file, `${file}.1`);
    return fs.openSync(file, 'a');
  } catch (err) {
    expectSystemError(err);
    return undefined;
  }
}

function appendLog(file: string, line: string): void {
  try {
    fs.appendFileSync(file, `[${new Date().toISOString()}] spool: ${line}\n`);
  } catch (err) {
    expectSystemError(err);
    // The log is best effort: a server is not refused because its log cannot be written.
  }
}

export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | undefined;
  /** One message may be large (a file's contents): the SDK's 10 MB default is raised. */
  private readonly buffer = new ReadBuffer({ maxBufferSize: 64 * 1024 * 1024 });
  private exited: Promise<void> = Promise.resolve();
  /** The process group of the server (its pid), kept after it exits to clean up what it left. */
  private group: number | undefined;

  constructor(private readonly server: StdioServerProcess) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('already started');
    const { command, args, env, cwd, logFile } = this.server;
    appendLog(logFile, `starting ${[command, ...args].join(' ')} in ${cwd}`);
    const logFd = openLog(logFile);
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(command, args, {
          cwd,
          env,
          stdio: ['pipe', 'pipe', logFd ?? 'ignore'],
          detached: true,
          windowsHide: true,
        });
      } catch (err) {
        if (logFd !== undefined) fs.closeSync(logFd);
        reject(err);
        return;
      }
      // The child holds its own copy of the descriptor.
      if (logFd !== undefined) fs.closeSync(logFd);
      this.child = child;
      this.group = child.pid;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (err) => {
        appendLog(logFile, `could not start: ${err.message}`);
        reject(new Error(`cannot start \`${command}\`: ${err.message}`));
      });
      child.once('spawn', () => resolve());
      child.once('close', (code, signal) => {
        appendLog(logFile, `server exited (${signal ? `signal ${signal}` : `code ${code}`})`);
        // Whatever the server started and left behind in its group goes with it.
        this.signalGroup('SIGTERM');
        this.group = undefined;
        if (this.child === child) this.child = undefined;
        this.buffer.clear();
        this.onclose?.();
      });
      child.stdin?.on('error', (err) => this.onerror?.(err));
      child.stdout?.on('data', (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
        } catch (err) {
          this.onerror?.(err as Error);
          return;
        }
        for (;;) {
          let message: JSONRPCMessage | null;
          try {
            message = this.buffer.readMessage();
          } catch (err) {
            // A line that is not JSON-RPC (a server printing to stdout): skip it, keep reading.
            this.onerror?.(err as Error);
            continue;
          }
          if (message === null) break;
          this.onmessage?.(message);
        }
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error('the MCP server is not running'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const group = this.group;
    if (group === undefined) return;
    try {
      process.kill(-group, signal);
    } catch (err) {
      // The group is gone or not ours: the child itself, if it is still there.
      expectErrno(err, GONE);
      this.child?.kill(signal);
    }
  }

  /** Kills the server's whole process group now (a hung server). */
  kill(): void {
    this.signalGroup('SIGKILL');
  }

  /** Closes stdin (a well-behaved server exits), then SIGTERM, then SIGKILL, each after a grace. */
  async close(): Promise<void> {
    const child = this.child;
    if (child) {
      const exited = this.exited;
      const waitExit = (ms: number) =>
        Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
      child.stdin?.end();
      if (!(await waitExit(CLOSE_GRACE_MS))) {
        this.signalGroup('SIGTERM');
        if (!(await waitExit(CLOSE_GRACE_MS))) {
          this.signalGroup('SIGKILL');
          await waitExit(CLOSE_GRACE_MS);
        }
      }
    }
  }
}
