/**
 * The branch and commit of the repository a session starts in, read from `.git` directly (no git
 * process at start-up, so nothing the repository configures can run). Handles worktrees and submodules (`.git` as a `gitdir:` file), detached
 * HEADs and packed refs; anything unexpected yields less information, never an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { discoverRepository } from '../git/repository.js';
import { expectErrno, UNREADABLE } from '../protocol/errors.js';
import type { GitInfo } from '../protocol/rollout.js';

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return undefined;
  }
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
  // The same discovery host git is pinned with (src/git/repository.ts).
  const repository = discoverRepository(cwd);
  if (!repository) return undefined;
  const dir = repository.gitDir;
  const head = readText(path.join(dir, 'HEAD'))?.trim();
  if (!head) return {};
  const dirs = repository.commonDir === dir ? [dir] : [dir, repository.commonDir];
  const ref = head.match(/^ref:\s*(.+)$/)?.[1];
  if (!ref) return /^[0-9a-f]{40,64}$/.test(head) ? { commit: head } : {};
  const info: GitInfo = { branch: ref.replace(/^refs\/heads\//, '') };
  const commit = resolveRef(dirs, ref);
  if (commit) info.commit = commit;
  return info;
}
