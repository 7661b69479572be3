/**
 * A job's working copy: a git worktree of a local repository, or a fresh clone of a URL, checked
 * out (detached) at one commit under the worker's work directory. Its changes are checkpointed as a
 * binary diff against that commit, and restored on another worker by applying the diff to a fresh
 * checkout of the same commit.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class WorkspaceError extends Error {
  constructor(
    message: string,
    /** True when retrying cannot help (no such repository or ref). */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

interface GitRun {
  stdout: string;
  stderr: string;
}

function git(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
        maxBuffer: 256 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim() || err.message;
          reject(new Error(`git ${args[0]}: ${detail}`));
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A git URL (`scheme://…`, `user@host:path`) rather than a local path. */
export function isGitUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

async function resolveCommit(dir: string, ref: string): Promise<string | undefined> {
  for (const candidate of [ref, `origin/${ref}`]) {
    try {
      return (
        await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { cwd: dir })
      ).stdout.trim();
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      // Not this spelling of the ref; try the next.
    }
  }
  return undefined;
}

export interface Workspace {
  /** The checked-out directory the session works in. */
  dir: string;
  /** The commit it was checked out at. */
  commit: string;
  /** Removes the checkout (and the worktree's entry in its repository). */
  remove(): Promise<void>;
}

/**
 * Checks out `repo` at `ref` (a branch, tag or commit; `commit` when restoring a known one) into
 * `dir`, which must not exist yet.
 */
export async function checkout(repo: string, ref: string, dir: string): Promise<Workspace> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (isGitUrl(repo)) {
    try {
      await git(['clone', '--quiet', '--no-checkout', repo, dir]);
    } catch (err) {
      throw new WorkspaceError(`cannot clone ${repo}: ${(err as Error).message}`, false);
    }
    const commit = await resolveCommit(dir, ref);
    if (!commit) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new WorkspaceError(`${repo} has no ref ${ref}`, true);
    }
    await git(['checkout', '--quiet', '--detach', commit], { cwd: dir });
    return { dir, commit, remove: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const source = path.resolve(repo);
  if (!fs.existsSync(source)) throw new WorkspaceError(`repository ${source} does not exist`, true);
  let top: string;
  try {
    top = (await git(['rev-parse', '--show-toplevel'], { cwd: source })).stdout.trim();
  } catch (err) {
    throw new WorkspaceError(`${source} is not a git repository: ${(err as Error).message}`, true);
  }
  const commit = await resolveCommit(top, ref);
  if (!commit) throw new WorkspaceError(`${top} has no ref ${ref}`, true);
  // Worktrees of workers that died leave entries behind; prune them before adding ours.
  await git(['worktree', 'prune'], { cwd: top });
  await git(['worktree', 'add', '--quiet', '--detach', dir, commit], { cwd: top });
  return {
    dir,
    commit,
    remove: async () => {
      await git(['worktree', 'remove', '--force', dir], { cwd: top }).catch((err: Error) => {
        // Already gone (or never fully made): make sure the directory is, and forget the entry.
        fs.rmSync(dir, { recursive: true, force: true });
        return git(['worktree', 'prune'], { cwd: top }).then(() => err);
      });
    },
  };
}

/**
 * In a clone, makes `branch` a local branch at `origin/<branch>` when only the remote one exists, so
 * a review's `--base <branch>` means the same as in the repository it was cloned from. Local
 * worktrees share their repository's branches and are left alone.
 */
export async function ensureLocalBranch(workspace: Workspace, repo: string, branch: string): Promise<void> {
  if (!isGitUrl(repo)) return;
  const has = async (ref: string) =>
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: workspace.dir }).then(
      () => true,
      (err: Error) => (err.message.startsWith('git rev-parse') ? false : Promise.reject(err)),
    );
  if ((await has(`refs/heads/${branch}`)) || !(await has(`refs/remotes/origin/${branch}`))) return;
  await git(['branch', '--no-track', '--', branch, `refs/remotes/origin/${branch}`], { cwd: workspace.dir });
}

/**
 * The worktree's changes against `commit` as a binary diff: tracked and untracked files (ignored
 * ones excluded), staged or not. Uses a scratch index so the worktree's own index is untouched.
 */
export async function snapshot(dir: string, commit: string, scratchIndex: string): Promise<string> {
  const env = { GIT_INDEX_FILE: scratchIndex };
  await git(['read-tree', commit], { cwd: dir, env });
  await git(['add', '--all', '--', '.'], { cwd: dir, env });
  const tree = (await git(['write-tree'], { cwd: dir, env })).stdout.trim();
  return (await git(['diff', '--binary', '--no-color', '--no-ext-diff', commit, tree], { cwd: dir })).stdout;
}

/** Applies a snapshot to a fresh checkout of the commit it was taken against. */
export async function restore(dir: string, patch: string): Promise<void> {
  if (patch.trim() === '') return;
  await git(['apply', '--binary', '--whitespace=nowarn', '-'], { cwd: dir, input: patch });
}
