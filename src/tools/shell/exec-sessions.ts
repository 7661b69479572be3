/**
 * Long-running command sessions for `exec_command` / `write_stdin` (Codex's "unified exec", with
 * plain pipes instead of a PTY).
 *
 * One manager per thread (never module state). A session holds its process, the output not yet
 * handed to the model (bounded) and the display item it reports to. A session whose process has
 * exited stays until a call has returned its last output and exit code, then it is removed.
 * `closeAll()` ends every process group — the thread calls it when it ends or is interrupted.
 */
import { randomInt } from 'node:crypto';
import { SessionPidsBudget } from '../../sandbox/linux/cgroup.js';
import type { SessionInputGate } from './command-gate.js';
import type { CommandItemReporter } from './command-item.js';
import { displayOutput } from './format.js';
import {
  type CapturedOutput,
  type CaptureLimits,
  DEFAULT_CAPTURE_LIMITS,
  HeadTailBuffer,
} from './output-capture.js';
import { ManagedProcess, type ProcessExit, type ProcessOptions, type ProcessSpec } from './process.js';

/** Codex's bound on live unified exec processes. */
const MAX_EXEC_SESSIONS = 64;

interface ExecSessionManagerOptions {
  maxSessions?: number;
  /** Bounds of the output a session keeps between two calls. */
  pendingCapture?: CaptureLimits;
  /** Passed to each process (kill grace, drain timings, lifetime capture). */
  process?: Omit<ProcessOptions, 'onOutput'>;
}

/**
 * How a sandboxed session's exit reads: the sandbox may say it never came up (`refusal`: the text
 * for the model; nothing ran) or that the program was not found (`spawnError`).
 */
type ExitReader = (
  exit: ProcessExit,
  endedByUs: boolean,
) => { refusal?: string; spawnError?: string } | undefined;

export class ExecSession {
  readonly startedAt = performance.now();
  lastUsed = performance.now();
  private pending: HeadTailBuffer;
  private exit: ProcessExit | undefined;
  private refusalText: string | undefined;
  private readonly changeListeners = new Set<() => void>();
  /** How input to this session is judged (set by the tool that started it). */
  inputGate: SessionInputGate | undefined;

  constructor(
    readonly id: number,
    readonly process: ManagedProcess,
    private readonly reporter: CommandItemReporter,
    private readonly pendingLimits: CaptureLimits,
    readExit?: ExitReader,
  ) {
    this.pending = new HeadTailBuffer(pendingLimits);
    void process.done.then((raw) => {
      const read = readExit?.(raw, process.terminated);
      const exit = read?.spawnError ? { ...raw, exitCode: -1, spawnError: read.spawnError } : raw;
      this.refusalText = read?.refusal;
      this.exit = exit;
      reporter.completed(exit.exitCode, read?.refusal ?? displayOutput(exit.output), exit.durationMs);
      this.notify();
    });
  }

  /** Set when the session's sandbox never came up: the text for the model (nothing ran). */
  get refusal(): string | undefined {
    return this.refusalText;
  }

  /** Called by the process for each output chunk. */
  receive(bytes: Buffer, text: string): void {
    this.pending.append(bytes);
    this.reporter.output(text);
    this.notify();
  }

  /** The exit, once the process has finished and its output has been read. */
  get exited(): ProcessExit | undefined {
    return this.exit;
  }

  get item(): CommandItemReporter {
    return this.reporter;
  }

  /** Returns the output gathered since the last call and starts a new gathering. */
  takePending(): CapturedOutput {
    const taken = this.pending.snapshot();
    this.pending = new HeadTailBuffer(this.pendingLimits);
    return taken;
  }

  /**
   * Waits until `deadline` (a `performance.now()` time), the process's exit, or `signal`, whichever
   * comes first. Output does not end the wait: like Codex, a call gathers output for its whole yield.
   */
  waitUntil(deadline: number, signal?: AbortSignal): Promise<void> {
    if (this.exit || signal?.aborted || performance.now() >= deadline) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.changeListeners.delete(onChange);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const onChange = () => {
        if (this.exit) finish();
      };
      const timer = setTimeout(finish, Math.max(0, deadline - performance.now()));
      this.changeListeners.add(onChange);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  private notify(): void {
    for (const listener of [...this.changeListeners]) listener();
  }
}

export class ExecSessionManager {
  private readonly sessions = new Map<number, ExecSession>();
  /** The process bound every sandboxed command of this thread shares (one pids cgroup). */
  readonly processBudget = new SessionPidsBudget();
  private readonly maxSessions: number;
  private readonly pendingCapture: CaptureLimits;

  constructor(private readonly options: ExecSessionManagerOptions = {}) {
    this.maxSessions = options.maxSessions ?? MAX_EXEC_SESSIONS;
    this.pendingCapture = options.pendingCapture ?? DEFAULT_CAPTURE_LIMITS;
  }

  get size(): number {
    return this.sessions.size;
  }

  ids(): number[] {
    return [...this.sessions.keys()];
  }

  /** Starts `spec` (stdin piped) as a new session, making room by ending the least recently used. */
  start(spec: ProcessSpec, reporter: CommandItemReporter, readExit?: ExitReader): ExecSession {
    while (this.sessions.size >= this.maxSessions) this.evictOne();
    const id = this.newId();
    let session: ExecSession | undefined;
    const process = ManagedProcess.start(
      { ...spec, stdin: 'pipe' },
      {
        ...this.options.process,
        onOutput: (chunk) => session?.receive(chunk.bytes, chunk.text),
      },
    );
    session = new ExecSession(id, process, reporter, this.pendingCapture, readExit);
    this.sessions.set(id, session);
    return session;
  }

  get(id: number): ExecSession | undefined {
    const session = this.sessions.get(id);
    if (session) session.lastUsed = performance.now();
    return session;
  }

  /** Forgets a session whose exit has been reported (its process is already gone). */
  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** Ends every session's process group and waits for them; their items complete as failed. */
  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    // A session whose process has exited is only waiting to report; what it left running in the
    // background without our pipes is not ours to end.
    for (const session of sessions) if (session.process.running) session.process.terminate();
    await Promise.all(sessions.map((session) => session.process.done));
    await this.processBudget.close();
  }

  private evictOne(): void {
    // Prefer sessions that have already exited, then the one unused the longest.
    const candidates = [...this.sessions.values()].sort(
      (a, b) => Number(Boolean(b.exited)) - Number(Boolean(a.exited)) || a.lastUsed - b.lastUsed,
    );
    const victim = candidates[0];
    if (!victim) return;
    this.sessions.delete(victim.id);
    if (victim.process.running) victim.process.terminate();
  }

  private newId(): number {
    // Random like Codex's ids, so an id from an earlier session is unlikely to hit a new one.
    for (;;) {
      const id = randomInt(1_000, 100_000);
      if (!this.sessions.has(id)) return id;
    }
  }
}
