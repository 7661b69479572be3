/**
 * A case's checkout: a bundle is cloned and a path gets a detached worktree, each in a directory of
 * its own at the culprit; the target is the culprit commit when the base is its parent, else the base
 * as a branch (removed with the checkout, so a repository path is left as it was).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkoutCase } from '../../src/eval/checkout.js';
import { readCase } from '../../src/eval/corpus.js';
import { git } from '../review/helpers.js';
import { tempDir } from '../support/thread.js';

function caseWithHistory(
  commitsAfterBase: number,
  bundle: boolean,
): { dir: string; base: string; culprit: string; repo: string } {
  const dir = tempDir('spool-eval-case-');
  const repo = bundle ? tempDir('spool-eval-src-') : path.join(dir, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'f.txt'), 'base\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'base');
  const base = git(repo, 'rev-parse', 'HEAD').trim();
  for (let i = 1; i <= commitsAfterBase; i++) {
    fs.writeFileSync(path.join(repo, 'f.txt'), `change ${i}\n`);
    git(repo, 'commit', '-q', '-am', `change ${i}`);
  }
  const culprit = git(repo, 'rev-parse', 'HEAD').trim();
  git(repo, 'checkout', '-q', base);
  if (bundle) git(repo, 'bundle', 'create', '-q', path.join(dir, 'repo.bundle'), '--all');
  fs.writeFileSync(
    path.join(dir, 'case.toml'),
    `title = "t"\nwhat_went_wrong = "w"\nseverity = "low"\nrepository = "${bundle ? 'repo.bundle' : 'repo'}"\nbase = "${base}"\nculprit = "${culprit}"\n[[culprit_locations]]\npath = "f.txt"\nlines = [1, 1]\n`,
  );
  return { dir, base, culprit, repo };
}

describe('checkoutCase', () => {
  it('reviews the culprit commit when the base is its parent (a bundle is cloned)', async () => {
    const fx = caseWithHistory(1, true);
    const checkout = await checkoutCase(readCase(fx.dir), tempDir());
    expect(checkout.target).toEqual({ type: 'commit', sha: fx.culprit });
    expect(git(checkout.dir, 'rev-parse', 'HEAD').trim()).toBe(fx.culprit);
    expect(fs.readFileSync(path.join(checkout.dir, 'f.txt'), 'utf8')).toBe('change 1\n');
    await checkout.remove();
    expect(fs.existsSync(checkout.dir)).toBe(false);
  });

  it('reviews against the base as a branch when the culprit is several commits; a path is left as it was', async () => {
    const fx = caseWithHistory(3, false);
    const branchesBefore = git(fx.repo, 'branch', '--list').trim();
    const checkout = await checkoutCase(readCase(fx.dir), tempDir());
    expect(checkout.target.type).toBe('baseBranch');
    const branch = (checkout.target as { branch: string }).branch;
    expect(git(checkout.dir, 'rev-parse', branch).trim()).toBe(fx.base);
    expect(git(checkout.dir, 'rev-parse', 'HEAD').trim()).toBe(fx.culprit);
    // The repository's own checkout did not move.
    expect(git(fx.repo, 'rev-parse', 'HEAD').trim()).toBe(fx.base);
    await checkout.remove();
    expect(git(fx.repo, 'branch', '--list').trim()).toBe(branchesBefore);
    expect(git(fx.repo, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('a culprit that is not in the repository is an error naming it, and leaves nothing behind', async () => {
    const fx = caseWithHistory(1, true);
    const c = { ...readCase(fx.dir), culprit: 'f'.repeat(40) };
    const parent = tempDir();
    await expect(checkoutCase(c, parent)).rejects.toThrow(/ffffffff/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});
