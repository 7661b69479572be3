/**
 * Where the program of a stdio MCP server comes from. A server runs outside the sandbox with the
 * user's privileges, so a command given by name (`npx`, `uvx`, `my-server`) must not be found in a
 * directory a sandboxed command can write: an activated `.venv/bin` or `./node_modules/.bin` on
 * `PATH`, or anything under the workspace or `/tmp`, would let the model plant a program that Spool
 * then runs unsandboxed the next time the server starts.
 *
 * The name is resolved once, when the server is configured for a run (before anything in the
 * session can write), to an absolute path: `PATH` is searched in order, skipping relative entries
 * and every entry inside a directory the sandbox may write, and the file found must itself lie
 * outside them (its symlinks followed). A command given as a path is the user's explicit choice
 * and is taken as given (relative paths from the server's `cwd`).
 *
 * This is the one place MCP server programs are looked up. Unlike `bwrap` or `git`, which come only
 * from fixed system directories, a server program may live wherever the user installed it (nvm,
 * pipx, …), so `PATH` is searched — but each candidate must also pass the sandbox's trusted-binary
 * check (src/sandbox/trusted-binaries.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxPolicy } from '../../protocol/policy.js';
import { untrustedBinaryReason } from '../../sandbox/trusted-binaries.js';
import { effectiveWritableRoots } from '../../sandbox/writable-roots.js';

interface CommandLookup {
  /** Spool's environment (`PATH`). */
  env: NodeJS.ProcessEnv;
  /** Directories a sandboxed command may write (the session's writable roots, `/tmp`, …). */
  untrustedRoots: readonly string[];
  /** What a relative command path is relative to (the server's `cwd`). */
  cwd: string;
}

/**
 * The directories a server program is never taken from: everything a workspace-write sandbox of this
 * session could write (the workspace, configured roots, `/tmp`, `$TMPDIR`), whatever the current
 * mode — an earlier session in a wider mode may have written there.
 */
export function untrustedCommandRoots(policy: SandboxPolicy, cwd: string, env: NodeJS.ProcessEnv): string[] {
  return effectiveWritableRoots(
    { ...policy, mode: 'workspace-write', excludeSlashTmp: false, excludeTmpdirEnvVar: false },
    cwd,
    env,
  );
}

/** `PATH` without relative entries and entries inside `roots` (what a server's own lookups use). */
export function trustedSearchPath(value: string | undefined, roots: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  return value
    .split(path.delimiter)
    .filter((entry) => entry !== '' && path.isAbsolute(entry) && untrustedRootOf(entry, roots) === undefined)
    .join(path.delimiter);
}

type ResolvedCommand = { ok: true; path: string } | { ok: false; error: string };

function within(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function realOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch (err) {
    // A path that does not resolve (yet) is compared as written.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw err;
  }
}

/** The writable root `file` lies in (as written or once its symlinks are followed), if any. */
function untrustedRootOf(file: string, roots: readonly string[]): string | undefined {
  const candidates = [path.resolve(file), realOrSelf(path.resolve(file))];
  for (const root of roots) {
    const resolvedRoot = path.resolve(root);
    const realRoot = realOrSelf(resolvedRoot);
    if (candidates.some((c) => within(c, resolvedRoot) || within(c, realRoot))) return root;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' || code === 'ELOOP') return false;
    throw err;
  }
}

/** The program to spawn for a server's `command`, or why there is none that can be trusted. */
export function resolveServerCommand(command: string, lookup: CommandLookup): ResolvedCommand {
  if (command.includes('/')) return { ok: true, path: path.resolve(lookup.cwd, command) };
  const skipped: string[] = [];
  for (const entry of (lookup.env.PATH ?? '').split(path.delimiter)) {
    if (entry === '' || !path.isAbsolute(entry)) {
      skipped.push(`${JSON.stringify(entry)} (relative)`);
      continue;
    }
    const candidate = path.join(entry, command);
    if (!isExecutableFile(candidate)) continue;
    const root = untrustedRootOf(candidate, lookup.untrustedRoots);
    if (root !== undefined) {
      skipped.push(`${candidate} (inside ${root}, which sandboxed commands may write)`);
      continue;
    }
    // The sandbox's own rule for programs Spool runs on the host: owned by root (or this user),
    // writable by nobody else, all the way up, symlinks followed.
    const reason = untrustedBinaryReason(candidate, lookup.untrustedRoots);
    if (reason !== undefined) {
      skipped.push(`${candidate} (${reason})`);
      continue;
    }
    return { ok: true, path: candidate };
  }
  return {
    ok: false,
    error:
      `the program ${JSON.stringify(command)} was not found on PATH outside the directories sandboxed commands may write` +
      (skipped.length > 0 ? `; not used: ${skipped.join(', ')}` : '') +
      '. Give `command` as an absolute path to run it anyway.',
  };
}
