/**
 * The change a review target stands for, read by git on the host (HostGit: the repository pinned
 * at the start, no program the repository configures): its unified diff, and which version of the
 * files the findings point into (the working tree, or the reviewed commit).
 */
import type { HostGit } from '../sandbox/host-git.js';
import { ReviewRequestError, type ReviewTarget } from './target.js';

/** git's empty tree: the "parent" of a root commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** Untracked files shown in an uncommitted review's diff at most. */
const UNTRACKED_LIMIT = 200;

export interface TargetDiff {
  /** The unified diff (may be empty: nothing changed). */
  diff: string;
  /** Where the findings' files are read: the working tree, or this commit's tree. */
  revision: { kind: 'worktree' } | { kind: 'commit'; sha: string };
  /** What the diff is taken against, for the prompt ("the merge base abc123 of HEAD and main"). */
  base?: string;
  /** The commit's subject (commit targets). */
  subject?: string;
}

const DIFF = ['-c', 'core.quotepath=off', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M'];

async function must(git: HostGit, args: string[], what: string): Promise<string> {
  const run = await git.run(args);
  if (run.code !== 0)
    throw new ReviewRequestError(`${what}: ${run.stderr.trim() || `git exited ${run.code}`}`);
  return run.stdout;
}

/** A commit named by `ref`, as its full sha; a clear error when there is none. */
async function resolveCommit(git: HostGit, ref: string, what: string): Promise<string> {
  const run = await git.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  const sha = run.stdout.trim();
  if (run.code !== 0 || !/^[0-9a-f]{40,64}$/.test(sha))
    throw new ReviewRequestError(`${what} ${ref} is not a commit in this repository`);
  return sha;
}

async function uncommitted(git: HostGit): Promise<TargetDiff> {
  const head = await git.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  // A repository without commits: everything staged is new.
  const tracked = await must(
    git,
    head.code === 0 ? [...DIFF, 'HEAD'] : [...DIFF, '--cached'],
    'git diff failed',
  );
  const others = await must(git, ['ls-files', '--others', '--exclude-standard', '-z'], 'git ls-files failed');
  const untracked = others.split('\0').filter(Boolean);
  const parts = [tracked];
  for (const file of untracked.slice(0, UNTRACKED_LIMIT)) {
    // `--no-index` exits 1 when the files differ, which they always do here.
    const added = await git.run([...DIFF, '--no-index', '--', '/dev/null', file]);
    parts.push(added.stdout);
  }
  if (untracked.length > UNTRACKED_LIMIT)
    parts.push(
      `# … and ${untracked.length - UNTRACKED_LIMIT} more untracked files (git status lists them)\n`,
    );
  return { diff: parts.join(''), revision: { kind: 'worktree' }, base: head.code === 0 ? 'HEAD' : undefined };
}

async function againstBase(git: HostGit, branch: string): Promise<TargetDiff> {
  const baseSha = await resolveCommit(git, branch, 'base branch');
  const mergeBase = (
    await must(git, ['merge-base', 'HEAD', baseSha], `cannot find where HEAD and ${branch} diverged`)
  ).trim();
  // The working tree against the merge base: what merging this branch (as it is now) would bring.
  const diff = await must(git, [...DIFF, mergeBase], 'git diff failed');
  return { diff, revision: { kind: 'worktree' }, base: mergeBase };
}

async function ofCommit(git: HostGit, ref: string): Promise<TargetDiff> {
  const sha = await resolveCommit(git, ref, 'commit');
  const parent = await git.run(['rev-parse', '--verify', '--quiet', `${sha}^1`]);
  const from = parent.code === 0 ? parent.stdout.trim() : EMPTY_TREE;
  const diff = await must(git, [...DIFF, from, sha], 'git diff failed');
  const subject = (await git.run(['log', '-1', '--format=%s', sha])).stdout.trim();
  return {
    diff,
    revision: { kind: 'commit', sha },
    base: parent.code === 0 ? from : undefined,
    ...(subject ? { subject } : {}),
  };
}

/** The target's diff; throws ReviewRequestError when git cannot give it (no such branch or commit). */
export async function targetDiff(
  git: HostGit | undefined,
  target: ReviewTarget,
  cwd: string,
): Promise<TargetDiff> {
  if (target.type === 'custom') return { diff: '', revision: { kind: 'worktree' } };
  if (!git)
    throw new ReviewRequestError(`${cwd} is not inside a git repository, so there are no changes to review`);
  switch (target.type) {
    case 'uncommittedChanges':
      return uncommitted(git);
    case 'baseBranch':
      return againstBase(git, target.branch);
    case 'commit':
      return ofCommit(git, target.sha);
  }
}
