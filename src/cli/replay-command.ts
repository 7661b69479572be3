/**
 * `spool replay SESSION_ID|--last|FILE [--check] [--from TURN] [--json]`: re-run a recorded
 * session offline (src/eval/replay.ts) in a scratch copy of its workspace, sandboxed as recorded.
 *
 * Exit codes: 0 replayed (with --check: every request identical), 1 a request diverged or the
 * replay did not run as recorded, 2 usage error or --check cannot compare this recording.
 */
import fs from 'node:fs';
import { spoolHome } from '../config/home.js';
import { exitForConfigError } from '../config/load.js';
import { type CliFlags, loadRuntime, type Runtime } from '../config/runtime.js';
import { type Recording, readRecording } from '../eval/recording.js';
import { ReplayError, type ReplayResult, replaySession } from '../eval/replay.js';
import { copyWorkspace, type ScratchWorkspace } from '../eval/workspace.js';
import type { ApprovalPolicy, SandboxMode } from '../protocol/policy.js';
import { RolloutFormatError, SessionNotFoundError, SessionStoreError } from '../store/errors.js';
import { findSession } from '../store/find.js';
import { terminalSafe } from '../text/terminal-safe.js';

export interface ReplayCommandOptions {
  session?: string;
  last?: boolean;
  check?: boolean;
  from?: string;
  json?: boolean;
  /** Copy this directory instead of the recorded working directory. */
  workspace?: string;
  keepWorkspace?: boolean;
  config?: string[];
  profile?: string;
  /** Replace the recorded sandbox mode (required to replay a session that ran without a sandbox). */
  sandbox?: string;
}

export interface ReplayIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function sessionFile(options: ReplayCommandOptions, io: ReplayIo): string {
  const given = options.session;
  if (given && (given.endsWith('.jsonl') || given.includes('/')) && fs.existsSync(given)) return given;
  const home = spoolHome(io.env);
  if (options.last) return findSession(home, { last: true, cwd: io.cwd }).path;
  if (!given) throw new ReplayError('name a session (id or rollout file) or pass --last');
  return findSession(home, { id: given }).path;
}

function describeResult(result: ReplayResult, check: boolean): string {
  const lines = [
    `replayed ${result.turns} turn${result.turns === 1 ? '' : 's'} (${result.outcomes.join(', ') || 'none'}), ${result.requests} requests, ${result.responses} recorded responses`,
  ];
  if (result.unanswered > 0)
    lines.push(`${result.unanswered} request(s) went beyond the recording (the replay ran differently)`);
  if (!check) return `${lines.join('\n')}\n`;
  if (result.checkUnavailable) lines.push(`check: cannot compare: ${result.checkUnavailable}`);
  else if (!result.divergence)
    lines.push(`check: all ${result.requests} requests identical to the recorded ones, byte for byte`);
  else {
    const d = result.divergence;
    lines.push(`check: request ${d.request} (turn ${d.turn}) diverges: ${d.part}: ${d.summary}`);
    if (d.diff) lines.push(d.diff.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export async function runReplayCommand(options: ReplayCommandOptions, io: ReplayIo): Promise<number> {
  const say = (text: string) => io.stderr.write(`${terminalSafe(text)}\n`);
  let from: number | undefined;
  if (options.from !== undefined) {
    from = Number(options.from);
    if (!Number.isInteger(from) || from < 1) {
      say(`spool replay: --from takes a turn number (1 or more), not ${options.from}`);
      return 2;
    }
  }
  let recording: Recording;
  try {
    recording = readRecording(sessionFile(options, io), spoolHome(io.env));
  } catch (err) {
    if (
      err instanceof ReplayError ||
      err instanceof SessionNotFoundError ||
      err instanceof RolloutFormatError ||
      err instanceof SessionStoreError
    ) {
      say(`spool replay: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const context = recording.initialContext ?? recording.turns[0]?.context;
  if (!context || recording.turns.length === 0) {
    say(`spool replay: ${recording.path} has no turn to replay`);
    return 2;
  }
  const sandbox = options.sandbox ?? context.sandbox_mode;
  if (!['read-only', 'workspace-write', 'danger-full-access'].includes(sandbox)) {
    say(`spool replay: --sandbox ${sandbox}: expected read-only, workspace-write or danger-full-access`);
    return 2;
  }
  // A log is data anyone can hand you; its commands run again. Never unsandboxed unless asked for.
  if (sandbox === 'danger-full-access' && options.sandbox === undefined) {
    say(
      'spool replay: this session ran without a sandbox, so replaying it would run its recorded commands unsandboxed. Pass --sandbox danger-full-access to do that, or --sandbox workspace-write to replay it sandboxed (--check then reports the changed permissions).',
    );
    return 2;
  }
  let scratch: ScratchWorkspace;
  try {
    scratch = copyWorkspace(options.workspace ?? context.cwd);
  } catch (err) {
    say(`spool replay: ${(err as Error).message}`);
    return 2;
  }
  try {
    const flags: CliFlags = {
      model: recording.meta.model,
      sandbox: sandbox as SandboxMode,
      approvalPolicy: context.approval_policy as ApprovalPolicy,
      cwd: scratch.dir,
      config: [
        `sandbox_workspace_write.network_access=${context.network_access ? 'true' : 'false'}`,
        ...(options.config ?? []),
      ],
      ...(options.profile ? { profile: options.profile } : {}),
    };
    let runtime: Runtime;
    try {
      runtime = loadRuntime(flags, io.env, { approvalPolicy: 'never' });
    } catch (err) {
      return exitForConfigError(err, io.stderr, 'spool replay');
    }
    say(
      `spool replay: ${recording.path} in a scratch copy of ${options.workspace ?? context.cwd} (${scratch.dir}), sandbox ${sandbox}`,
    );
    let result: ReplayResult;
    try {
      result = await replaySession({
        recording,
        runtime,
        recordedCwd: context.cwd,
        check: Boolean(options.check),
        ...(from !== undefined ? { fromTurn: from } : {}),
      });
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      say(`spool replay: ${err.message}`);
      return 2;
    }
    if (options.json)
      io.stdout.write(
        `${JSON.stringify({ session: recording.meta.id, path: recording.path, ...result }, null, 2)}\n`,
      );
    else io.stdout.write(describeResult(result, Boolean(options.check)));
    if (options.check) {
      if (result.checkUnavailable) return 2;
      return result.divergence ? 1 : 0;
    }
    return result.unanswered > 0 || result.outcomes.some((o) => o !== 'completed') ? 1 : 0;
  } finally {
    if (options.keepWorkspace) say(`spool replay: kept ${scratch.dir}`);
    else scratch.remove();
  }
}
