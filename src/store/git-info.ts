/**
 * The branch and commit of the repository a session starts in, read from `.git` directly (no git
 * process at start-up). Handles worktrees and submodules (`.git` as a `gitdir:` file), detached
 * HEADs and packed refs; anything unexpected yields less information, never an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findGitRoot } from '../context/project-docs.js';
import type { GitInfo } from './format.js';

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The git directory of the repository at `root` (`.git`, or where a `gitdir:` file points). */
function gitDir(root: string): string | undefined {
  const dotGit = path.join(root, '.git');
  try {
    if (fs.statSync(dotGit).isDirectory()) return dotGit;
  } catch {
    return undefined;
  }
  const pointer = readText(dotGit)
    ?.match(/^gitdir:\s*(.+)$/m)?.[1]
    ?.trim();
  return pointer ? path.resolve(root, pointer) : undefined;
}

/** Looks a ref up as a loose file, then in packed-refs, in `dir` (a worktree shares its common dir). */
function resolveRef(dirs: string[], ref: string): string | undefined {
  for (const dir of dirs) {
    const loose = readText(path.join(dir, ref))?.trim();
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    const packed = readText(path.join(dir, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line) return line.split(' ')[0];
  }
  return undefined;
}

export function readGitInfo(cwd: string): GitInfo | undefined {
  const root = findGitRoot(cwd);
  if (!root) return undefined;
  const dir = gitDir(root);
  if (!dir) return undefined;
  const head = readText(path.join(dir, 'HEAD'))?.trim();
  if (!head) return {};
  const common = readText(path.join(dir, 'commondir'))?.trim();
  const dirs = common ? [dir, path.resolve(dir, common)] : [dir];
  const ref = head.match(/^ref:\s*(.+)$/)?.[1];
  if (!ref) return /^[0-9a-f]{40,64}$/.test(head) ? { commit: head } : {};
  const info: GitInfo = { branch: ref.replace(/^refs\/heads\//, '') };
  const commit = resolveRef(dirs, ref);
  if (commit) info.commit = commit;
  return info;
}
