/**
 * Running a command inside the platform sandbox: `prepareSandboxedLaunch` turns a command into
 * what to spawn (bubblewrap on Linux, Seatbelt on macOS) plus the descriptors and teardown that go
 * with it; `interpretSandboxExit` reads, after the process ended, whether the sandbox was really
 * set up. Either can say the sandbox is unavailable, and then nothing has run.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import { CHECK_FAILED_EXIT, STATUS } from './check-script.js';
import type { SessionPidsBudget } from './linux/cgroup.js';
import { prepareLinuxLaunch } from './linux/launcher.js';
import { prepareMacosLaunch } from './macos/launcher.js';
import type { SandboxPolicy } from './policy.js';
import { classifyBwrapFailure, type SandboxUnavailable } from './unavailable.js';

/** Extra descriptors of the spawned process, from 3 (the shape the process runner takes). */
export type SandboxFd = { kind: 'input'; data: Buffer } | { kind: 'status' };

export interface SandboxLaunchOptions {
  /** Defaults to `process.platform` / `process.arch`. */
  platform?: NodeJS.Platform;
  arch?: string;
  /** The bubblewrap binary (absolute; checked like any trusted binary); else found in the system directories, never on PATH. */
  bwrapPath?: string;
  /** `pids.max` of the session's (else the command's) cgroup where one can be made (default 1024; threads count; 0: none). */
  maxProcesses?: number;
  /** The session's process bound, shared by all its commands (without it, each command has its own). */
  budget?: SessionPidsBudget;
}

export const DEFAULT_MAX_PROCESSES = 1024;

export interface SandboxLaunchRequest {
  /** The command as the model gave it (argv). */
  command: readonly string[];
  /** Where it runs (absolute; the resolved `workdir`). */
  cwd: string;
  /** The session's cwd: writable roots come from it and the configuration, never from `cwd`. */
  sessionCwd: string;
  /** The environment of the command, already filtered; the sandbox launcher itself gets it too. */
  env: NodeJS.ProcessEnv;
  /** `read-only` or `workspace-write`. */
  sandbox: SandboxPolicy;
  spoolHome: string;
  options?: SandboxLaunchOptions;
}

export interface SandboxLaunch {
  /** What to spawn: `argv[0]` is absolute. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  extraFds: SandboxFd[];
  /** Kills what is left and removes what the sandbox needed; call once the process has ended. */
  cleanup(): Promise<void>;
  /** Delivers Ctrl-C to the command inside (given the spawned pid); false if it could not. */
  interrupt?: (pid: number) => boolean;
  /** The bound on processes, or undefined where no cgroup could be made. */
  maxProcesses: number | undefined;
}

export type PrepareResult =
  | { ok: true; launch: SandboxLaunch }
  | { ok: false; unavailable: SandboxUnavailable };

export async function prepareSandboxedLaunch(request: SandboxLaunchRequest): Promise<PrepareResult> {
  if (request.sandbox.mode === 'danger-full-access') throw new Error('danger-full-access runs no sandbox');
  const platform = request.options?.platform ?? process.platform;
  if (platform === 'linux') return prepareLinuxLaunch(request);
  if (platform === 'darwin') return prepareMacosLaunch(request);
  return { ok: false, unavailable: { reason: 'unsupported-platform', detail: platform } };
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

export type SandboxExit =
  | { kind: 'ran' }
  | { kind: 'not-found'; program: string }
  | { kind: 'unavailable'; unavailable: SandboxUnavailable };

/**
 * What happened, from the status descriptor: `ready` means the command ran inside a verified
 * sandbox; a refusal of the in-sandbox check, or no word at all from a process that was not
 * stopped by us, means the sandbox never came up (the output is then the launcher's error).
 */
export function interpretSandboxExit(exit: {
  status: string;
  exitCode: number;
  outputText: string;
  endedByUs: boolean;
  command: readonly string[];
}): SandboxExit {
  const words = exit.status.split('\n').filter((line) => line !== '');
  if (words.includes(STATUS.ready)) return { kind: 'ran' };
  if (words.includes(STATUS.notFound)) return { kind: 'not-found', program: exit.command[0] ?? '' };
  const caps = words.find((w) => w.startsWith(`${STATUS.capabilities} `));
  if (caps) return { kind: 'unavailable', unavailable: { reason: 'capabilities', detail: caps } };
  const seccomp = words.find((w) => w.startsWith(`${STATUS.seccomp} `));
  if (seccomp) return { kind: 'unavailable', unavailable: { reason: 'seccomp', detail: seccomp } };
  if (exit.endedByUs) return { kind: 'ran' };
  const detail = exit.outputText.trim();
  if (exit.exitCode === CHECK_FAILED_EXIT && detail === '')
    return { kind: 'unavailable', unavailable: { reason: 'setup-failed' } };
  return { kind: 'unavailable', unavailable: classifyBwrapFailure(detail) };
}
