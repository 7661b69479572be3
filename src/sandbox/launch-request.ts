/**
 * What a sandboxed launch is asked for and what it hands back: the shapes shared by launch.ts and
 * the platform launchers (linux/, macos/), kept apart so the launchers need not import launch.ts.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import { expectSystemError } from '../protocol/errors.js';
import type { SandboxPolicy } from '../protocol/policy.js';
import type { SessionPidsBudget } from './linux/cgroup.js';
import type { SandboxUnavailable } from './unavailable.js';

/** Extra descriptors of the spawned process, from 3 (the shape the process runner takes). */
type SandboxFd = { kind: 'input'; data: Buffer } | { kind: 'status' };

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

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch (err) {
    expectSystemError(err);
    return false;
  }
}
