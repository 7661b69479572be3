/**
 * A case's repository checked out at the culprit change, in a directory of its own (cases run
 * concurrently): a clone of a bundle, or a detached worktree of a repository path. The review
 * target is the culprit commit when the base is its parent, else the base as a local branch.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ReviewTarget } from '../protocol/review.js';
import type { IncidentCase } from './corpus.js';

const run = promisify(execFile);

export interface CaseCheckout {
  dir: string;
  target: ReviewTarget;
  remove(): Promise<void>;
}

/** git said no (its exit status and stderr are in the message). */
class GitError extends Error {}

/** `fallback` when git refused (what it refused is expected by the caller); anything else is thrown. */
function whenGitRefuses<T>(fallback: T): (err: unknown) => T {
  return (err) => {
    if (!(err instanceof GitError)) throw err;
    return fallback;
  };
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new GitError(`git ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Checks `c` out under `parent` (an empty directory is made for it). */
export async function checkoutCase(c: IncidentCase, parent: string): Promise<CaseCheckout> {
  const dir = path.join(fs.mkdtempSync(path.join(parent, `${c.id}-`)), 'repo');
  const isBundle = fs.statSync(c.repository).isFile();
  let branch: string | undefined;
  let added = false;
  // Best effort: the directory is removed below whatever git says (a worktree git already forgot).
  const remove = async () => {
    if (added) await git(c.repository, ['worktree', 'remove', '--force', dir]).catch(whenGitRefuses(''));
    if (branch && !isBundle) await git(c.repository, ['branch', '-D', branch]).catch(whenGitRefuses(''));
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  };
  try {
    if (isBundle) {
      await git(parent, ['clone', '--quiet', '--no-checkout', c.repository, dir]);
      await git(dir, ['checkout', '--quiet', '--detach', c.culprit]);
    } else {
      await git(c.repository, ['worktree', 'add', '--quiet', '--detach', dir, c.culprit]);
      added = true;
    }
    const base = await git(dir, ['rev-parse', '--verify', `${c.base}^{commit}`]);
    const culprit = await git(dir, ['rev-parse', '--verify', 'HEAD']);
    // A root commit has no parent: then the base is reviewed as a branch.
    const culpritParent = await git(dir, ['rev-parse', '--verify', `${culprit}^`]).catch(whenGitRefuses(''));
    if (culpritParent === base) return { dir, target: { type: 'commit', sha: culprit }, remove };
    branch = `spool-eval-base-${path.basename(path.dirname(dir))}`;
    await git(dir, ['branch', '--force', branch, base]);
    return { dir, target: { type: 'baseBranch', branch }, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
