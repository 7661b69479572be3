/**
 * The bubblewrap argument list for one sandboxed command. Pure: the caller has already looked at
 * the disk (which roots and protected paths exist) and hands over plain lists.
 *
 * The sandbox it describes:
 * - a new user namespace with every capability dropped, so being root on the host gives nothing
 *   inside (no remounting, no unmounting the read-only binds, no reading other users' files);
 * - new pid, ipc, uts and (where possible) cgroup namespaces; `--proc /proc` shows only the
 *   sandbox's own processes, so neither host processes nor their environments are visible;
 * - `--die-with-parent` and the pid namespace: when the command's main process exits (or Spool
 *   dies), everything it started is killed by the kernel, `sleep 100 &` included;
 * - `--new-session`: no controlling terminal to push input into;
 * - the whole filesystem read-only (`--ro-bind / /`), a fresh /dev (read-only itself, with a
 *   size-capped /dev/shm), a fresh /proc whose kernel interfaces (`/proc/sys`, `sysrq-trigger`,
 *   `irq`, `bus`, `fs`) are bound read-only again — the command is host uid 0 when Spool runs as
 *   root, and uid 0 may write sysctls such as `kernel.core_pattern` without any capability —, then
 *   each writable root bound read-write, then every protected path bound read-only again on top,
 *   the Spool home hidden under an empty read-only tmpfs (nothing in it can be read), and
 *   protected names that do not exist yet covered with an empty read-only tmpfs so they cannot be
 *   created; every tmpfs has a size cap;
 * - with the network off, a private network namespace (loopback only);
 * - the seccomp program read from `seccompFd` (see seccomp.ts);
 * - inside, a check runs before the command: it refuses to start it unless every capability set
 *   is empty and the seccomp filter is active, and reports over `statusFd` (see below).
 */
import path from 'node:path';
import { sandboxCheckScript } from '../check-script.js';
import { byDepthThenCodeUnits } from '../path-order.js';
import { isWithin } from '../write-policy.js';

interface BwrapMounts {
  /** Existing writable roots (absolute, physical). Empty in read-only mode. */
  writableRoots: readonly string[];
  /** Existing paths made read-only again above the writable roots (protected names, Spool home). */
  readOnlyPaths: readonly string[];
  /** Protected paths that do not exist: an empty read-only tmpfs is mounted there. */
  blockedPaths: readonly string[];
  /** Existing directories hidden under an empty read-only tmpfs (the Spool home): unreadable. */
  maskedPaths?: readonly string[];
}

/** Kernel interfaces under the sandbox's /proc that stay read-only (bwrap skips them in a user namespace). */
const PROC_READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus', '/proc/fs'];

/** Default size cap of the sandbox's writable tmpfs (/dev/shm). */
const DEFAULT_TMPFS_SIZE_BYTES = 128 * 1024 * 1024;
/** The empty read-only tmpfs mounts (blocked names, masks) hold nothing; their cap is a formality. */
const EMPTY_TMPFS_SIZE_BYTES = 64 * 1024;

interface BwrapOptions {
  mounts: BwrapMounts;
  networkAccess: boolean;
  /** Working directory inside the sandbox (absolute). */
  cwd: string;
  /** The child's fd bwrap reads the seccomp program from. */
  seccompFd: number;
  /** The child's fd the in-sandbox check writes its verdict to. */
  statusFd: number;
  /** The command (argv[0] looked up on PATH inside the sandbox). */
  command: readonly string[];
  /** Size cap of /dev/shm in bytes (default `DEFAULT_TMPFS_SIZE_BYTES`). */
  tmpfsSizeBytes?: number;
}

/** Parents before children, so a deeper mount is never hidden by a shallower one. */
function byDepth(paths: readonly string[]): string[] {
  const unique = [...new Set(paths.map((p) => path.resolve(p)))];
  return unique.sort(byDepthThenCodeUnits);
}

export function buildBwrapArgs(options: BwrapOptions): string[] {
  const args = [
    '--new-session',
    '--die-with-parent',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
  ];
  if (!options.networkAccess) args.push('--unshare-net');
  args.push('--cap-drop', 'ALL');
  const shmSize = String(options.tmpfsSizeBytes ?? DEFAULT_TMPFS_SIZE_BYTES);
  const emptySize = String(EMPTY_TMPFS_SIZE_BYTES);
  args.push('--ro-bind', '/', '/');
  // /dev itself read-only (a writable /dev is an unbounded tmpfs); /dev/shm writable, capped.
  args.push('--dev', '/dev', '--size', shmSize, '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  args.push('--proc', '/proc');
  for (const p of PROC_READ_ONLY) args.push('--ro-bind-try', p, p);
  const roots = byDepth(options.mounts.writableRoots);
  for (const root of roots) args.push('--bind', root, root);
  for (const p of byDepth(options.mounts.readOnlyPaths)) args.push('--ro-bind', p, p);
  for (const p of byDepth(options.mounts.maskedPaths ?? [])) {
    args.push('--size', emptySize, '--tmpfs', p);
    // A writable root inside the masked directory stays visible, read-only.
    for (const root of roots) if (root !== p && isWithin(root, p)) args.push('--ro-bind', root, root);
    args.push('--remount-ro', p);
  }
  for (const p of byDepth(options.mounts.blockedPaths))
    args.push('--size', emptySize, '--tmpfs', p, '--remount-ro', p);
  args.push('--seccomp', String(options.seccompFd));
  args.push('--chdir', options.cwd);
  args.push(
    '--',
    '/bin/sh',
    '-c',
    sandboxCheckScript({ statusFd: options.statusFd, verifyLinux: true }),
    'spool-sandbox',
    ...options.command,
  );
  return args;
}
