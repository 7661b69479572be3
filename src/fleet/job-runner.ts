/**
 * One run of one job, in its own process (a child of the worker, started as `spool worker run-job`):
 * check out the job's repository, start — or resume from its checkpoint — the job's session with the
 * real `spool` binary, stream the session's rollout and the worktree's changes to the checkpoint as
 * they are written, and report the outcome.
 *
 * Why a process of its own: when the worker is killed (kill -9, OOM), this process notices (its IPC
 * channel closes), stops the session (SIGTERM: commands killed, log flushed), and only then writes
 * the last lines of the rollout to the checkpoint. Every tool call the session started is then in
 * the checkpoint before another worker can resume the job — so no tool runs twice across workers.
 * The session itself runs under `setpriv --pdeathsig TERM`, so it stops even if this process is
 * killed too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CheckpointStore, FencedError } from './checkpoint.js';
import type { JobData, JobResult } from './job.js';
import { fleetKeys } from './keys.js';
import { completedTurnMessage, findRollout, readComplete, rolloutUsage } from './rollout-follow.js';
import { RunReport, sessionCommand } from './session-command.js';
import {
  checkout,
  ensureLocalBranch,
  restore,
  snapshot,
  type Workspace,
  WorkspaceError,
} from './workspace.js';

export interface RunStart {
  jobId: string;
  data: JobData;
  /** This run's fencing token. */
  token: string;
  redisUrl: string;
  prefix: string;
  queue: string;
  workDir: string;
  /** The shared checkpoint directory (`queue.checkpoint_dir`); undefined: checkpoints in Redis. */
  checkpointDir?: string;
  /** The worker's Spool home: its configuration is linked into the job's own home. */
  spoolHome: string;
  /** The `spool` entry script the session is run with. */
  spoolBin: string;
  workerId: string;
  /** The worker's own configuration arguments (`-p`, `-c`). */
  baseArgs: string[];
  /** `-c` overrides the worker adds (provider routing through its rate limiter). */
  extraConfig: string[];
  env: NodeJS.ProcessEnv;
}

export type StopReason = 'worker-lost' | 'cancelled' | 'shutdown' | 'lock-lost';

export type RunOutcome =
  | { type: 'result'; result: JobResult }
  /** Worth another attempt (resumes from the checkpoint). */
  | { type: 'retry'; message: string }
  /** Retrying cannot help (bad repository, ref or options). */
  | { type: 'permanent'; message: string }
  | { type: 'stopped'; reason: StopReason; message: string };

export interface RunControl {
  /** Resolves when the run must stop. */
  stop: Promise<StopReason>;
  /** Progress for the worker (the session id once known). */
  onSession?: (sessionId: string) => void;
  log?: (line: string) => void;
}

const POLL_MS = 100;
/** `spool exec`'s exit code when the session stopped at a spend cap (`max_cost_usd`). */
const EXEC_EXIT_BUDGET = 3;
const STOP_GRACE_MS = 10_000;
/** Keep a finished job's checkpoint this long (the result has its own key). */
const CHECKPOINT_TTL_S = 7 * 24 * 3600;

/** Links the worker's home (config.toml, AGENTS.md, rules, …) into the job's, sessions excepted. */
function makeJobHome(home: string, workerHome: string): void {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const skip = new Set(['sessions', 'session_index.jsonl', 'fleet', 'log', 'sandbox']);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(workerHome);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of entries) {
    if (!skip.has(name)) fs.symlinkSync(path.join(workerHome, name), path.join(home, name));
  }
}

function tail(file: string, bytes = 2000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Spawns the session: through `setpriv --pdeathsig TERM` where there is one. */
function spawnSession(start: RunStart, args: string[], home: string, stderrFile: string): ChildProcess {
  const argv = [process.execPath, start.spoolBin, ...args];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => fs.existsSync(file));
  const [command, ...rest] = setpriv ? [setpriv, '--pdeathsig', 'TERM', '--', ...argv] : argv;
  const stderr = fs.openSync(stderrFile, 'a');
  try {
    return spawn(command as string, rest, {
      env: { ...start.env, SPOOL_HOME: home },
      stdio: ['pipe', 'pipe', stderr],
    });
  } finally {
    fs.closeSync(stderr);
  }
}

export async function runJob(start: RunStart, control: RunControl): Promise<RunOutcome> {
  const redis = new Redis(start.redisUrl, { maxRetriesPerRequest: 5, lazyConnect: false });
  redis.on('error', (err) => control.log?.(`redis: ${err.message}`));
  try {
    return await new JobRun(
      start,
      control,
      new CheckpointStore(redis, fleetKeys(start.prefix, start.queue), start.checkpointDir),
    ).run();
  } catch (err) {
    if (err instanceof FencedError) return { type: 'stopped', reason: 'lock-lost', message: err.message };
    if (err instanceof WorkspaceError)
      return err.permanent
        ? { type: 'permanent', message: err.message }
        : { type: 'retry', message: err.message };
    return { type: 'retry', message: (err as Error).message };
  } finally {
    redis.disconnect();
  }
}

class JobRun {
  private readonly jobDir: string;
  private readonly home: string;
  private stopReason: StopReason | undefined;
  private offset = 0;
  private rolloutFile: string | undefined;
  private sessionKnown = false;
  private snapshotChain: Promise<void> = Promise.resolve();
  private workspace: Workspace | undefined;
  private streamError: Error | undefined;

  constructor(
    private readonly start: RunStart,
    private readonly control: RunControl,
    private readonly store: CheckpointStore,
  ) {
    const jobRoot = path.join(start.workDir, 'jobs', start.jobId);
    // Runs of this job that died on this machine left their directories; this run owns the job now.
    fs.rmSync(jobRoot, { recursive: true, force: true });
    this.jobDir = path.join(jobRoot, start.token);
    this.home = path.join(this.jobDir, 'home');
    void control.stop.then((reason) => {
      this.stopReason = reason;
    });
  }

  private get id(): string {
    return this.start.jobId;
  }

  async run(): Promise<RunOutcome> {
    const { data, token } = this.start;
    let state = await this.store.claim(this.id, token);
    if (state.result) return { type: 'result', result: state.result };
    makeJobHome(this.home, this.start.spoolHome);

    let resumeId: string | undefined;
    if (state.sessionId && data.kind === 'review') {
      // A review's session cannot be resumed as a review: it starts over in a fresh worktree.
      await this.store.reset(this.id, token);
      state = await this.store.read(this.id);
    } else if (state.sessionId && state.rolloutPath) {
      resumeId = state.sessionId;
      await this.store.noteResumed(this.id, token);
      state = await this.store.read(this.id);
    }

    this.workspace = await checkout(data.repo, state.base ?? data.ref, path.join(this.jobDir, 'repo'));
    try {
      if (!state.base) await this.store.setBase(this.id, token, this.workspace.commit);
      if (data.kind === 'review' && data.base) await ensureLocalBranch(this.workspace, data.repo, data.base);
      if (resumeId && state.rolloutPath) {
        await restore(this.workspace.dir, state.patch ?? '');
        const rollout = await this.store.rollout(this.id);
        const file = path.join(this.home, state.rolloutPath);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, rollout, { mode: 0o600 });
        this.rolloutFile = file;
        this.offset = Buffer.byteLength(rollout, 'utf8');
        this.sessionKnown = true;
        this.control.onSession?.(resumeId);
        const done = completedTurnMessage(rollout);
        if (done) return await this.finish(state, new RunReport(), resumeId, done.message);
      }
      return await this.runSession(state, resumeId);
    } finally {
      await this.workspace.remove().catch((err: Error) => this.control.log?.(`cleanup: ${err.message}`));
    }
  }

  private async runSession(
    state: Awaited<ReturnType<CheckpointStore['read']>>,
    resumeId: string | undefined,
  ): Promise<RunOutcome> {
    const workspace = this.workspace as Workspace;
    const command = sessionCommand({
      job: this.start.data,
      cwd: workspace.dir,
      commit: workspace.commit,
      baseArgs: this.start.baseArgs,
      extraConfig: this.start.extraConfig,
      ...(resumeId ? { resumeSessionId: resumeId } : {}),
    });
    const stderrFile = path.join(this.jobDir, 'session.stderr.log');
    const child = spawnSession(this.start, command.args, this.home, stderrFile);
    child.stdin?.end(command.stdin);
    const report = new RunReport();
    let pending = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        report.line(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );

    // Stream while the session runs; stop it when asked (or when this run lost the job).
    let running = true;
    void exited.then(() => {
      running = false;
    });
    let signalled = false;
    while (running) {
      if ((this.stopReason || this.streamError) && !signalled) {
        signalled = true;
        child.kill('SIGTERM');
        void sleep(STOP_GRACE_MS).then(() => running && child.kill('SIGKILL'));
      }
      if (!this.streamError) {
        try {
          await this.stream();
        } catch (err) {
          this.streamError = err as Error;
        }
      }
      await Promise.race([sleep(POLL_MS), exited]);
    }
    const exit = await exited;
    if (pending.trim() !== '') report.line(pending);
    // The session has stopped: nothing it started can be missing from the checkpoint after this.
    if (!this.streamError) await this.stream();
    if (this.streamError) throw this.streamError;
    this.queueSnapshot();
    await this.snapshotChain;

    if (this.stopReason)
      return { type: 'stopped', reason: this.stopReason, message: `stopped (${this.stopReason})` };
    const why = report.errors.at(-1) ?? (tail(stderrFile) || `exit ${exit.code ?? exit.signal}`);
    if (exit.code === 0) return this.finish(state, report, report.sessionId ?? resumeId, report.finalMessage);
    // exec's exit code at a spend cap: another run would stop at the same cap.
    if (exit.code === EXEC_EXIT_BUDGET && this.start.data.kind === 'exec')
      return this.finish(state, report, report.sessionId ?? resumeId, report.finalMessage, {
        status: 'budget_exceeded',
        error: why,
      });
    if (exit.code === 2) {
      // `exec` parses `review --base …` as a prompt plus unknown options when it has no review mode.
      if (this.start.data.kind === 'review' && /unknown option '--(base|commit)'/.test(why))
        return {
          type: 'permanent',
          message: 'review jobs need `spool exec review`, which this spool binary does not have',
        };
      return { type: 'permanent', message: `the session refused to start: ${why}` };
    }
    return { type: 'retry', message: why };
  }

  /** Copies the rollout's new complete lines to the checkpoint (and notes the session once). */
  private async stream(): Promise<void> {
    if (!this.rolloutFile) {
      const found = findRollout(this.home);
      if (!found) return;
      this.rolloutFile = found.file;
      if (!this.sessionKnown) {
        await this.store.setSession(
          this.id,
          this.start.token,
          found.id,
          path.relative(this.home, found.file),
        );
        this.sessionKnown = true;
        this.control.onSession?.(found.id);
      }
    }
    const { chunk, to } = readComplete(this.rolloutFile, this.offset);
    if (chunk === '') return;
    await this.store.append(this.id, this.start.token, this.offset, chunk, to);
    this.offset = to;
    // A tool finished: its effects on the worktree belong with the rollout that records it.
    if (chunk.includes('"type":"tool_output"')) this.queueSnapshot();
  }

  private queueSnapshot(): void {
    const workspace = this.workspace;
    if (!workspace) return;
    const at = this.offset;
    this.snapshotChain = this.snapshotChain.then(async () => {
      const patch = await snapshot(workspace.dir, workspace.commit, path.join(this.jobDir, 'snapshot.index'));
      await this.store.saveSnapshot(this.id, this.start.token, patch, at);
    });
  }

  private async finish(
    state: { runs: number; resumedRuns: number },
    report: RunReport,
    sessionId: string | undefined,
    finalMessage: string | null,
    ended: { status: 'budget_exceeded'; error: string } | { status: 'completed' } = { status: 'completed' },
  ): Promise<RunOutcome> {
    const after = await this.store.read(this.id);
    const rollout = this.rolloutFile ? fs.readFileSync(this.rolloutFile, 'utf8') : '';
    const result: JobResult = {
      job_id: this.id,
      kind: this.start.data.kind,
      ...ended,
      final_message: finalMessage,
      ...(report.findings !== undefined ? { findings: report.findings } : {}),
      usage: rollout ? rolloutUsage(rollout) : report.usage,
      cost_usd: report.costUsd,
      session_id: sessionId ?? null,
      runs: after.runs || state.runs,
      resumed_runs: after.resumedRuns,
      worker: this.start.workerId,
      finished_at: new Date().toISOString(),
    };
    await this.store.saveResult(this.id, this.start.token, result);
    await this.store.expire(this.id, CHECKPOINT_TTL_S);
    return { type: 'result', result };
  }
}
