/**
 * `/diff`: what changed in the working tree (tracked changes against HEAD, and untracked files), by
 * git on the host through HostGit: the repository pinned when the session opened, no program the
 * repository configures (see src/git/host-git.ts).
 */
import type { HostGit } from '../../sandbox/host-git.js';

/** Untracked files shown at most. */
const UNTRACKED_LIMIT = 50;

type GitDiff = { ok: true; diff: string; untracked: number } | { ok: false; message: string };

/** The diff of `git`'s repository, paths relative to `cwd`; `git` undefined: no repository was pinned. */
export async function gitDiff(cwd: string, git: HostGit | undefined): Promise<GitDiff> {
  if (!git) return { ok: false, message: `${cwd} is not inside a git repository` };
  const run = (args: string[]) => git.run(args, { cwd });
  const base = ['-c', 'core.quotepath=off', 'diff', '--no-color', '--no-ext-diff', '--no-textconv'];
  let tracked = await run([...base, 'HEAD']);
  // A repository without commits: the index and the working tree.
  if (tracked.code !== 0) tracked = await run(base);
  if (tracked.code !== 0) return { ok: false, message: `git diff failed: ${tracked.stderr.trim()}` };
  const others = await run(['ls-files', '--others', '--exclude-standard', '-z']);
  const untracked = others.code === 0 ? others.stdout.split('\0').filter(Boolean) : [];
  const parts = [tracked.stdout];
  for (const file of untracked.slice(0, UNTRACKED_LIMIT)) {
    // Exit code 1 means "there are differences".
    const added = await run([...base, '--no-index', '--', '/dev/null', file]);
    parts.push(added.stdout);
  }
  return { ok: true, diff: parts.join(''), untracked: untracked.length };
}
