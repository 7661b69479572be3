/** `/diff`: what changed in the working tree (tracked changes against HEAD, and untracked files). */
import { execFile } from 'node:child_process';

/** Untracked files shown at most. */
const UNTRACKED_LIMIT = 50;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function git(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 32 * 1024 * 1024, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export type GitDiff = { ok: true; diff: string; untracked: number } | { ok: false; message: string };

export async function gitDiff(cwd: string): Promise<GitDiff> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) return { ok: false, message: `${cwd} is not inside a git repository` };
  const base = ['-c', 'core.quotepath=off', 'diff', '--no-color', '--no-ext-diff'];
  let tracked = await git(cwd, [...base, 'HEAD']);
  // A repository without commits: the index and the working tree.
  if (tracked.code !== 0) tracked = await git(cwd, base);
  if (tracked.code !== 0) return { ok: false, message: `git diff failed: ${tracked.stderr.trim()}` };
  const others = await git(cwd, ['ls-files', '--others', '--exclude-standard', '-z']);
  const untracked = others.code === 0 ? others.stdout.split('\0').filter(Boolean) : [];
  const parts = [tracked.stdout];
  for (const file of untracked.slice(0, UNTRACKED_LIMIT)) {
    // Exit code 1 means "there are differences".
    const added = await git(cwd, [...base, '--no-index', '--', '/dev/null', file]);
    parts.push(added.stdout);
  }
  return { ok: true, diff: parts.join(''), untracked: untracked.length };
}
