/**
 * Where a tool may write: the one check shared by apply_patch and (later) the sandbox's own path
 * checks, so a file-editing tool can never write where the shell could not.
 *
 * Every target is resolved physically before it is judged: `..` is applied after symlinks (as the
 * kernel does), symlinks are followed, and for a path that does not exist yet the deepest existing
 * ancestor is resolved. The decision itself (`decideWrite`) is a pure function of the policy and a
 * resolved path.
 *
 * In workspace-write the writable roots are the turn's cwd, the configured roots, /tmp and $TMPDIR
 * (unless excluded). Inside every root, `.git` (and the directory a `gitdir:` file points to),
 * `.spool`, `.agents` and `.codex` (another harness's config: written, it escalates the next Codex
 * run in that repository) are protected, whether or not they exist yet; a `.git` component at any
 * depth is protected too (nested repositories). The Spool home (config, sessions) is never writable
 * unless the sandbox is off (danger-full-access).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gitProtectedPaths } from '../git/protected-paths.js';
import { expectSystemError } from '../protocol/errors.js';
import type { SandboxMode, SandboxPolicy } from '../protocol/policy.js';
import { effectiveWritableRoots } from './writable-roots.js';

export interface ProtectedPath {
  /** Absolute, symlink-free. */
  path: string;
  /** What it is, for messages: '.git', '.spool', '.agents', '.codex'. */
  name: string;
}

export interface WritePolicy {
  readonly mode: SandboxMode;
  /** Absolute, symlink-free, deduplicated. */
  readonly writableRoots: readonly string[];
  readonly protectedPaths: readonly ProtectedPath[];
  /** The Spool home, resolved; never writable outside danger-full-access. */
  readonly spoolHome: string;
}

interface WritePolicyContext {
  /** The turn's working directory (absolute). */
  cwd: string;
  /** Spool's home directory (config, sessions). */
  spoolHome: string;
  /** Environment for $TMPDIR; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

type WriteDenial = 'read-only' | 'spool-home' | 'outside-roots' | 'protected';

type WriteDecision = { allowed: true } | { allowed: false; denial: WriteDenial; reason: string };

export type WriteCheck =
  | { allowed: true; realPath: string }
  | { allowed: false; realPath: string; message: string };

/** Names protected inside every writable root, whether or not they exist. */
const PROTECTED_NAMES = ['.git', '.spool', '.agents', '.codex'] as const;

/** `target` is `dir` or inside it (both absolute and normalised). */
export function isWithin(target: string, dir: string): boolean {
  if (target === dir) return true;
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  return target.startsWith(prefix);
}

async function realpathOrSelf(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    expectSystemError(err);
    return p;
  }
}

/**
 * The physical location `rawPath` names. With `followFinalSymlink` false the last component is not
 * followed (deleting a symlink removes the link, not its target).
 */
export async function resolvePhysicalPath(rawPath: string, followFinalSymlink = true): Promise<string> {
  if (!path.isAbsolute(rawPath))
    throw new Error(`resolvePhysicalPath needs an absolute path, got ${rawPath}`);
  const parts = rawPath.split(path.sep).filter((part) => part !== '' && part !== '.');
  const root = path.parse(rawPath).root;
  if (!parts.includes('..')) {
    const normal = path.join(root, ...parts);
    if (!followFinalSymlink && parts.length > 0) {
      return path.join(await deepestRealAncestor(path.dirname(normal)), path.basename(normal));
    }
    return deepestRealAncestor(normal);
  }
  // Component by component, so `link/..` is the parent of the link's target, as the kernel sees it.
  let current = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    current = i === parts.length - 1 && !followFinalSymlink ? next : await realpathOrSelf(next);
  }
  return current;
}

/** realpath of the deepest existing ancestor, with the missing rest appended. */
async function deepestRealAncestor(normal: string): Promise<string> {
  const missing: string[] = [];
  let current = normal;
  for (;;) {
    try {
      const real = await fs.realpath(current);
      return missing.length === 0 ? real : path.join(real, ...missing.reverse());
    } catch (err) {
      expectSystemError(err);
      const parent = path.dirname(current);
      if (parent === current) return normal;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** The directory a `.git` file (worktree, submodule) points to, if `gitEntry` is such a file. */
async function gitdirTarget(root: string, gitEntry: string): Promise<string | undefined> {
  try {
    const stat = await fs.lstat(gitEntry);
    if (!stat.isFile()) return undefined;
    const text = await fs.readFile(gitEntry, 'utf8');
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
    if (!match?.[1]) return undefined;
    return resolvePhysicalPath(path.resolve(root, match[1]));
  } catch (err) {
    expectSystemError(err);
    return undefined;
  }
}

export async function buildWritePolicy(
  sandbox: SandboxPolicy,
  context: WritePolicyContext,
): Promise<WritePolicy> {
  const spoolHome = await resolvePhysicalPath(path.resolve(context.spoolHome));
  if (sandbox.mode !== 'workspace-write') {
    return { mode: sandbox.mode, writableRoots: [], protectedPaths: [], spoolHome };
  }
  const candidates = effectiveWritableRoots(sandbox, context.cwd, context.env ?? process.env);
  const writableRoots: string[] = [];
  for (const candidate of candidates) {
    const real = await resolvePhysicalPath(candidate);
    if (!writableRoots.includes(real)) writableRoots.push(real);
  }
  const protectedPaths: ProtectedPath[] = [];
  const protect = (p: string, name: string) => {
    if (!protectedPaths.some((q) => q.path === p)) protectedPaths.push({ path: p, name });
  };
  for (const root of writableRoots) {
    for (const name of PROTECTED_NAMES) {
      const entry = path.join(root, name);
      protect(entry, name);
      protect(await resolvePhysicalPath(entry), name);
    }
    const gitdir = await gitdirTarget(root, path.join(root, '.git'));
    if (gitdir) protect(gitdir, '.git');
  }
  // The cwd's repository, also when its top is above the cwd: its git directories, hooks and the
  // configuration files it reads, where they lie in a root (what host git would otherwise run).
  for (const entry of gitProtectedPaths(context.cwd, writableRoots, context.env ?? process.env))
    protect(entry.path, entry.name);
  return { mode: sandbox.mode, writableRoots, protectedPaths, spoolHome };
}

/** The decision for an already resolved (physical, absolute) path. Pure. */
export function decideWrite(policy: WritePolicy, realPath: string): WriteDecision {
  const deny = (denial: WriteDenial, reason: string): WriteDecision => ({ allowed: false, denial, reason });
  if (policy.mode === 'danger-full-access') return { allowed: true };
  if (policy.mode === 'read-only') {
    return deny('read-only', "cannot be written: the sandbox mode is 'read-only', which allows no writes");
  }
  if (isWithin(realPath, policy.spoolHome)) {
    return deny('spool-home', `is inside the Spool home (${policy.spoolHome}), which is never writable`);
  }
  const roots = policy.writableRoots.filter((root) => isWithin(realPath, root));
  if (roots.length === 0) {
    return deny('outside-roots', `is outside the writable roots (${policy.writableRoots.join(', ')})`);
  }
  for (const entry of policy.protectedPaths) {
    if (isWithin(realPath, entry.path))
      return deny('protected', `is inside ${entry.name}, which is protected`);
  }
  for (const root of roots) {
    if (path.relative(root, realPath).split(path.sep).includes('.git')) {
      return deny('protected', 'is inside .git, which is protected');
    }
  }
  return { allowed: true };
}

/**
 * Resolves `target` (absolute, or relative to `cwd`) and decides whether it may be written. The
 * message names the path as given, where it resolves to when that differs, and the reason.
 */
export async function checkWritePath(
  policy: WritePolicy,
  target: string,
  options: { cwd: string; followFinalSymlink?: boolean },
): Promise<WriteCheck> {
  // Not path.resolve: that would apply `..` before symlinks are followed.
  const raw = path.isAbsolute(target) ? target : `${options.cwd}${path.sep}${target}`;
  const realPath = await resolvePhysicalPath(raw, options.followFinalSymlink ?? true);
  const decision = decideWrite(policy, realPath);
  if (decision.allowed) return { allowed: true, realPath };
  // Where the path really lands matters when it is outside the roots or a symlink changed it.
  const lexical = path.resolve(options.cwd, target);
  const showReal = realPath !== target && (lexical !== realPath || decision.denial === 'outside-roots');
  const shown = showReal ? `${target} (resolved to ${realPath})` : target;
  return { allowed: false, realPath, message: `${shown} ${decision.reason}` };
}
