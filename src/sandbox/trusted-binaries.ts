/**
 * Where the programs Spool itself runs on the host come from: `bwrap`, the `sh` that joins a
 * cgroup, `git`, shells, MCP helpers. Never from `PATH` blindly: a writable directory on `PATH`
 * (an activated `.venv/bin`, `~/.local/bin` while working in `~`) lets a sandboxed command plant a
 * fake `bwrap` that runs the next command with no sandbox at all and forges its "ready" report.
 *
 * A program is trusted when it sits in one of a few fixed system directories (or at an absolute
 * path the configuration names), and the file and every directory above it — both the path as
 * given and where its symlinks lead — belong to root (or to the user running Spool) and are
 * writable by nobody else, and none of them is inside a directory a sandbox may write (the
 * session's writable roots). Running as root, ownership alone proves nothing (everything root's
 * sandbox creates belongs to root), which is why the writable roots are checked too.
 *
 * Synchronous on purpose: a handful of `lstat`s, callable from any constructor or spawn site.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isWithin } from './write-policy.js';

/** The directories searched for a program given by name, in this order. */
const TRUSTED_BINARY_DIRS: readonly string[] = [
  '/usr/bin',
  '/bin',
  '/usr/sbin',
  '/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
];

interface TrustedBinaryOptions {
  /** A configured absolute path, used instead of the search (and checked all the same). */
  configured?: string;
  /** Directories a sandbox may write (the session's writable roots): nothing below them is trusted. */
  untrustedRoots?: readonly string[];
  /** The directories searched (default `TRUSTED_BINARY_DIRS`). */
  dirs?: readonly string[];
}

type TrustedBinary =
  | { ok: true; path: string }
  /** `missing`: nothing by that name exists at all (as opposed to one that is not trusted). */
  | { ok: false; reason: string; missing: boolean };

function ownerTrusted(uid: number): boolean {
  return uid === 0 || uid === process.getuid?.();
}

/** Why one existing path (not followed) cannot be trusted, or undefined. */
function entryProblem(p: string, stat: fs.Stats): string | undefined {
  if (!ownerTrusted(stat.uid)) return `${p} belongs to uid ${stat.uid}`;
  // Symlinks carry mode 0777 and cannot be written through: their target is checked separately.
  // A sticky directory (/tmp, /var/tmp) lets nobody else rename what belongs to root or this user,
  // and the next component's owner is checked in turn.
  const sticky = stat.isDirectory() && (stat.mode & 0o1000) !== 0;
  if (!stat.isSymbolicLink() && !sticky && (stat.mode & 0o022) !== 0)
    return `${p} is writable by others (mode ${(stat.mode & 0o7777).toString(8)})`;
  return undefined;
}

/** Why `file` (absolute) and every directory above it cannot be trusted, or undefined. */
function chainProblem(file: string, untrustedRoots: readonly string[]): string | undefined {
  const parts = file.split(path.sep).filter((part) => part !== '');
  let current: string = path.sep;
  for (const p of [current, ...parts.map((part) => (current = path.join(current, part)))]) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch (err) {
      return `${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
    const problem = entryProblem(p, stat);
    if (problem) return problem;
  }
  const root = untrustedRoots.find((dir) => isWithin(file, path.resolve(dir)));
  if (root) return `${file} is inside ${root}, which a sandboxed command may write`;
  return undefined;
}

/**
 * Why the program at `file` (absolute) is not to be run by Spool on the host, or undefined when it
 * is: an executable regular file, reached through directories nobody but root (or this user) can
 * change, outside every writable root — checked for the path as given and for its real path.
 */
export function untrustedBinaryReason(
  file: string,
  untrustedRoots: readonly string[] = [],
): string | undefined {
  if (!path.isAbsolute(file)) return `${file} is not an absolute path`;
  const normal = path.resolve(file);
  const given = chainProblem(normal, untrustedRoots);
  if (given) return given;
  let real: string;
  try {
    real = fs.realpathSync(normal);
  } catch (err) {
    return `${normal}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (real !== normal) {
    const target = chainProblem(real, untrustedRoots);
    if (target) return target;
  }
  try {
    const stat = fs.statSync(real);
    if (!stat.isFile()) return `${normal} is not a regular file`;
    fs.accessSync(real, fs.constants.X_OK);
  } catch (err) {
    return `${normal} is not executable (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return undefined;
}

/**
 * The program `name` from a trusted place: the configured absolute path when one is given (it
 * must pass the same checks), else the first trusted match in the fixed directories. `PATH` is
 * never consulted.
 */
export function resolveTrustedBinary(name: string, options: TrustedBinaryOptions = {}): TrustedBinary {
  const untrusted = options.untrustedRoots ?? [];
  if (options.configured !== undefined) {
    const reason = untrustedBinaryReason(options.configured, untrusted);
    if (!reason) return { ok: true, path: path.resolve(options.configured) };
    return { ok: false, reason, missing: !fs.existsSync(options.configured) };
  }
  if (name === '' || name.includes('/'))
    return { ok: false, reason: `${JSON.stringify(name)} is not a program name`, missing: true };
  const refused: string[] = [];
  for (const dir of options.dirs ?? TRUSTED_BINARY_DIRS) {
    const candidate = path.join(dir, name);
    if (!fs.existsSync(candidate)) continue;
    const reason = untrustedBinaryReason(candidate, untrusted);
    if (!reason) return { ok: true, path: candidate };
    refused.push(reason);
  }
  const searched = (options.dirs ?? TRUSTED_BINARY_DIRS).join(', ');
  return {
    ok: false,
    reason:
      refused.length > 0
        ? `no trusted ${name}: ${refused.join('; ')}`
        : `${name} was not found in ${searched} (PATH is not searched for programs Spool runs itself)`,
    missing: refused.length === 0,
  };
}
