/**
 * The git repository a session works in, found once when the session starts and then pinned: every
 * later `git` Spool runs on the host names this git directory and work tree explicitly, so nothing
 * a sandboxed command does afterwards (planting a `../.git`, replacing a `.git` symlink or a
 * `gitdir:` file) can make Spool's git read another repository's configuration.
 *
 * Discovery reads the file system only (no git process): from the cwd upwards, the first `.git`
 * that is a directory, a symlink to one, or a `gitdir:` file; `commondir` for linked worktrees.
 * Everything is resolved to physical paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectErrno, expectSystemError, UNREADABLE } from '../protocol/errors.js';

export interface PinnedRepository {
  /** The top of the work tree (physical). */
  workTree: string;
  /** The `.git` entry at the top of the work tree (a directory, a file or a symlink). */
  dotGit: string;
  /** The repository's git directory (physical): `.git`, or where a `gitdir:` file or symlink leads. */
  gitDir: string;
  /** Where config, hooks and objects live: `gitDir`, or its `commondir` for a linked worktree. */
  commonDir: string;
}

function realDirectory(p: string): string | undefined {
  try {
    const real = fs.realpathSync.native(p);
    return fs.statSync(real).isDirectory() ? real : undefined;
  } catch (err) {
    expectSystemError(err);
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return undefined;
  }
}

/** The git directory a `.git` entry stands for, or undefined when it is not a repository's. */
function gitDirOf(dotGit: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dotGit);
  } catch (err) {
    expectSystemError(err);
    return undefined;
  }
  if (stat.isDirectory()) return realDirectory(dotGit);
  if (!stat.isFile()) return undefined;
  const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGit) ?? '')?.[1];
  return pointer ? realDirectory(path.resolve(path.dirname(dotGit), pointer)) : undefined;
}

/** The repository enclosing `cwd` (the nearest `.git` upwards), resolved and pinned. */
export function discoverRepository(cwd: string): PinnedRepository | undefined {
  let current = realDirectory(cwd) ?? path.resolve(cwd);
  for (;;) {
    const dotGit = path.join(current, '.git');
    const gitDir = gitDirOf(dotGit);
    if (gitDir && fs.existsSync(path.join(gitDir, 'HEAD'))) {
      const common = readText(path.join(gitDir, 'commondir'))?.trim();
      const commonDir = (common && realDirectory(path.resolve(gitDir, common))) || gitDir;
      return { workTree: current, dotGit, gitDir, commonDir };
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
