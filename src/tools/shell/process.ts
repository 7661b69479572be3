/**
 * The process runner under every shell tool: spawns a prepared argv (no shell in between) in its
 * own process group, captures stdout and stderr interleaved in arrival order with bounded memory,
 * and ends the whole group on timeout, abort or request.
 *
 * A command whose main process has exited while something it started in the background still holds
 * the output pipes (`sleep 100 &`) must not hang the call: after the exit the pipes are drained only
 * briefly (until they have been quiet for `drainIdleMs`, at most `drainMaxMs`), then the rest of the
 * group is killed and the result is returned. Background processes that let go of the pipes
 * (`server > log 2>&1 &`) are left running, as they would be in a terminal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { expectErrno, GONE } from '../../protocol/errors.js';
import {
  type CapturedOutput,
  type CaptureLimits,
  DEFAULT_CAPTURE_LIMITS,
  HeadTailBuffer,
  Utf8Carry,
} from './output-capture.js';

export type OutputStreamName = 'stdout' | 'stderr';

export interface ProcessSpec {
  /** The prepared argv: `argv[0]` is looked up on `env.PATH`; nothing goes through a shell. */
  argv: readonly string[];
  cwd: string;
  /** The complete environment of the process (not merged with Spool's own). */
  env: NodeJS.ProcessEnv;
  /** `ignore` (stdin is /dev/null; the default) or `pipe` for sessions that write to it. */
  stdin?: 'ignore' | 'pipe';
  /**
   * More descriptors for the child, numbered from 3: `input` data is written and the pipe closed
   * (bwrap reads its seccomp program this way); `status` is read into `ProcessExit.status` (the
   * sandbox reports over it whether it was set up).
   */
  extraFds?: readonly ExtraFd[];
  /** Runs after the process has ended and before the result is delivered (sandbox teardown). */
  cleanup?: () => Promise<void>;
  /** Delivers Ctrl-C when SIGINT to the group would not reach the command (a sandbox); false: fall back. */
  interrupt?: (pid: number) => boolean;
}

export type ExtraFd = { kind: 'input'; data: Buffer } | { kind: 'status' };

/** The most a status descriptor is read (it carries a word or two). */
const STATUS_LIMIT_BYTES = 4096;

/** One piece of output, ending on a character boundary. */
export interface OutputChunk {
  stream: OutputStreamName;
  bytes: Buffer;
  text: string;
}

export interface ProcessOptions {
  /** Live output, in arrival order across both streams. */
  onOutput?: (chunk: OutputChunk) => void;
  capture?: CaptureLimits;
  /** Time between SIGTERM and SIGKILL when the group is ended. */
  killGraceMs?: number;
  /** After the main process exits: how long the pipes may stay quiet before we stop reading. */
  drainIdleMs?: number;
  /** After the main process exits: the longest we keep reading. */
  drainMaxMs?: number;
}

const DEFAULT_KILL_GRACE_MS = 1_000;
const DEFAULT_DRAIN_IDLE_MS = 200;
const DEFAULT_DRAIN_MAX_MS = 2_000;

export interface ProcessExit {
  /** Exit status as a shell reports it: the code, or 128+n for signal n; -1 if it never started. */
  exitCode: number;
  /** The signal that ended the main process, if one did. */
  signal: NodeJS.Signals | null;
  /** Why the process could not be started (nothing ran). */
  spawnError: string | null;
  durationMs: number;
  /** Everything the process printed (bounded), stdout and stderr interleaved. */
  output: CapturedOutput;
  /** What arrived on the `status` descriptor, if the spec had one ('' otherwise). */
  status: string;
}

function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

function describeSpawnError(argv0: string | undefined, err: unknown): string {
  const error = err as NodeJS.ErrnoException;
  const program = JSON.stringify(argv0 ?? '');
  if (error.code === 'ENOENT') return `${program}: command not found (ENOENT)`;
  if (error.code === 'EACCES') return `${program}: permission denied (EACCES)`;
  return `${program}: ${error.message}`;
}

/** A running process and its group. Create with `ManagedProcess.start`; `done` never rejects. */
export class ManagedProcess {
  readonly done: Promise<ProcessExit>;
  private resolveDone!: (exit: ProcessExit) => void;
  private readonly child: ChildProcess | undefined;
  private readonly capture: HeadTailBuffer;
  private readonly startedAt = performance.now();
  private readonly killGraceMs: number;
  private readonly drainIdleMs: number;
  private readonly drainMaxMs: number;
  private openStreams = 0;
  private exited = false;
  private finished = false;
  private stdinOpen = false;
  private terminating = false;
  private exitCode = -1;
  private exitSignal: NodeJS.Signals | null = null;
  private drainIdleTimer: NodeJS.Timeout | undefined;
  private drainMaxTimer: NodeJS.Timeout | undefined;
  private readonly streams: Readable[] = [];
  private readonly carries = new Map<OutputStreamName, Utf8Carry>();
  private statusBytes = Buffer.alloc(0);
  private readonly cleanup: (() => Promise<void>) | undefined;
  private readonly interruptHook: ((pid: number) => boolean) | undefined;

  static start(spec: ProcessSpec, options: ProcessOptions = {}): ManagedProcess {
    return new ManagedProcess(spec, options);
  }

  private constructor(
    spec: ProcessSpec,
    private readonly options: ProcessOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.capture = new HeadTailBuffer(options.capture ?? DEFAULT_CAPTURE_LIMITS);
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.drainIdleMs = options.drainIdleMs ?? DEFAULT_DRAIN_IDLE_MS;
    this.drainMaxMs = options.drainMaxMs ?? DEFAULT_DRAIN_MAX_MS;
    this.cleanup = spec.cleanup;
    this.interruptHook = spec.interrupt;

    const [program, ...args] = spec.argv;
    if (program === undefined || program === '') {
      this.child = undefined;
      this.finish('the command is empty');
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(program, args, {
        cwd: spec.cwd,
        env: spec.env,
        // A new session and process group, so the whole tree can be signalled at once and
        // nothing can read from or write to Spool's terminal.
        detached: true,
        stdio: [spec.stdin ?? 'ignore', 'pipe', 'pipe', ...(spec.extraFds ?? []).map(() => 'pipe' as const)],
        windowsHide: true,
      });
    } catch (err) {
      this.child = undefined;
      this.finish(describeSpawnError(program, err));
      return;
    }
    this.child = child;
    child.on('error', (err) => {
      // Spawn failures arrive here with no pid; later errors (e.g. a failed kill) are not fatal.
      if (child.pid === undefined) this.finish(describeSpawnError(program, err));
    });
    child.on('exit', (code, signal) => this.onExit(code, signal));
    this.attach(child.stdout, 'stdout');
    this.attach(child.stderr, 'stderr');
    (spec.extraFds ?? []).forEach((fd, i) => {
      this.attachExtra(child.stdio[3 + i] as Readable | null, fd);
    });
    if (child.stdin) {
      this.stdinOpen = true;
      child.stdin.on('error', () => {
        // EPIPE when the process has closed its stdin: later writes report it.
        this.stdinOpen = false;
      });
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True once `terminate()` was called (the process was ended by us, not on its own). */
  get terminated(): boolean {
    return this.terminating;
  }

  /** True until the main process has exited (or failed to start). */
  get running(): boolean {
    return !this.exited && !this.finished;
  }

  /** The output so far (bounded), stdout and stderr interleaved. */
  output(): CapturedOutput {
    return this.capture.snapshot();
  }

  /** Writes to stdin without waiting for the process to read it; false when stdin is closed. */
  write(text: string): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || !this.stdinOpen || stdin.destroyed || stdin.writableEnded || !this.running) return false;
    stdin.write(text);
    return true;
  }

  /** Closes stdin (end of input). */
  endStdin(): void {
    this.stdinOpen = false;
    this.child?.stdin?.end();
  }

  /** Sends `signal` to every process of the group. */
  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch (err) {
      expectErrno(err, GONE);
      // The group is already gone.
    }
  }

  /** Ctrl-C: SIGINT to the command's process group (inside its sandbox, where it has one). */
  interrupt(): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.interruptHook?.(pid)) return;
    this.signalGroup('SIGINT');
  }

  /** Ends the whole group: SIGTERM now, SIGKILL after the grace period. Idempotent. */
  terminate(): void {
    if (this.child?.pid === undefined || this.terminating) return;
    this.terminating = true;
    this.signalGroup('SIGTERM');
    // Not cancelled when the main process exits: group members that ignore SIGTERM must die too.
    setTimeout(() => this.signalGroup('SIGKILL'), this.killGraceMs);
  }

  private attach(stream: Readable | null, name: OutputStreamName): void {
    if (!stream) return;
    this.openStreams++;
    this.streams.push(stream);
    const carry = new Utf8Carry();
    this.carries.set(name, carry);
    stream.on('data', (chunk: Buffer) => {
      this.deliver(name, carry.push(chunk));
      if (this.exited) this.armDrainIdle();
    });
    stream.on('error', () => {});
    stream.on('close', () => {
      this.openStreams--;
      if (this.exited && this.openStreams === 0) this.finish(null);
    });
  }

  private attachExtra(stream: Readable | null, fd: ExtraFd): void {
    if (!stream) return;
    const duplex = stream as Readable & { end?: (data: Buffer) => void };
    stream.on('error', () => {});
    if (fd.kind === 'input') {
      // The reader may be gone already (it failed early): EPIPE is reported above and ignored.
      duplex.end?.(fd.data);
      return;
    }
    // Counted like an output stream: it closes when every holder has exited or closed it.
    this.openStreams++;
    this.streams.push(stream);
    stream.on('data', (chunk: Buffer) => {
      if (this.statusBytes.length < STATUS_LIMIT_BYTES)
        this.statusBytes = Buffer.concat([this.statusBytes, chunk]).subarray(0, STATUS_LIMIT_BYTES);
    });
    stream.on('close', () => {
      this.openStreams--;
      if (this.exited && this.openStreams === 0) this.finish(null);
    });
  }

  private deliver(stream: OutputStreamName, bytes: Buffer): void {
    if (bytes.length === 0 || this.finished) return;
    this.capture.append(bytes);
    this.options.onOutput?.({ stream, bytes, text: bytes.toString('utf8') });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.exitSignal = signal;
    this.exitCode = code ?? (signal ? exitCodeForSignal(signal) : -1);
    if (this.openStreams === 0) {
      this.finish(null);
      return;
    }
    this.armDrainIdle();
    this.drainMaxTimer = setTimeout(() => this.endDrain(), this.drainMaxMs);
  }

  private armDrainIdle(): void {
    clearTimeout(this.drainIdleTimer);
    this.drainIdleTimer = setTimeout(() => this.endDrain(), this.drainIdleMs);
  }

  private endDrain(): void {
    // Timers run before the poll phase of the event loop: let it read whatever is already waiting
    // in the pipes before giving up on them.
    setImmediate(() => {
      if (this.finished) return;
      if (this.openStreams > 0) {
        this.terminate();
        for (const stream of this.streams) stream.destroy();
      }
      this.finish(null);
    });
  }

  private finish(spawnError: string | null): void {
    if (this.finished) return;
    for (const [name, carry] of this.carries) this.deliver(name, carry.flush());
    this.finished = true;
    clearTimeout(this.drainIdleTimer);
    clearTimeout(this.drainMaxTimer);
    this.stdinOpen = false;
    this.child?.stdin?.destroy();
    const exit: ProcessExit = {
      exitCode: spawnError === null ? this.exitCode : -1,
      signal: this.exitSignal,
      spawnError,
      durationMs: performance.now() - this.startedAt,
      output: this.capture.snapshot(),
      status: this.statusBytes.toString('utf8'),
    };
    if (!this.cleanup) {
      this.resolveDone(exit);
      return;
    }
    this.cleanup().then(
      () => this.resolveDone(exit),
      () => this.resolveDone(exit),
    );
  }
}

interface RunOptions extends ProcessOptions {
  /** Ends the group after this long; the result then has `timedOut` and exit code 124. */
  timeoutMs?: number;
  /** Ends the group when aborted; the result then has `aborted`. */
  signal?: AbortSignal;
}

export interface RunResult extends ProcessExit {
  timedOut: boolean;
  aborted: boolean;
}

/** Codex's exit code for a command that ran out of time (as `timeout(1)` reports it). */
const TIMEOUT_EXIT_CODE = 124;

/** Runs a process to completion. Never rejects: failures to start are in `spawnError`. */
export async function runProcess(spec: ProcessSpec, options: RunOptions = {}): Promise<RunResult> {
  if (options.signal?.aborted) {
    return {
      exitCode: -1,
      signal: null,
      spawnError: null,
      durationMs: 0,
      output: { head: '', omittedBytes: 0, tail: '', totalBytes: 0, totalLines: 0 },
      status: '',
      timedOut: false,
      aborted: true,
    };
  }
  const proc = ManagedProcess.start(spec, options);
  let timedOut = false;
  let aborted = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          if (!proc.running) return;
          timedOut = true;
          proc.terminate();
        }, options.timeoutMs);
  const onAbort = () => {
    if (!proc.running || timedOut) return;
    aborted = true;
    proc.terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await proc.done;
    return { ...exit, exitCode: timedOut ? TIMEOUT_EXIT_CODE : exit.exitCode, timedOut, aborted };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
