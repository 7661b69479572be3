/**
 * git on the host runs nothing the sandbox wrote. A repository whose configuration (directly, or
 * through a file it includes from the work tree) names an fsmonitor, a pager, filter, textconv and
 * external diff drivers, each of which would leave a marker file: Spool's `/diff` and file listing
 * run git and no marker appears. The repository is pinned when the session starts: a `.git` planted
 * above the cwd later, or a `.git` symlink pointed elsewhere later, is never used.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostGit } from '../../src/sandbox/host-git.js';
import { gitDiff } from '../../src/tui/app/git-diff.js';
import { gitFiles } from '../../src/tui/view/mentions.js';
import { tempDir } from '../support/thread.js';

let base: string;
let markers: string;
beforeEach(() => {
  base = tempDir('spool-hostgit-');
  markers = path.join(base, 'markers');
  mkdirSync(markers);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** A program that leaves `markers/<name>` and otherwise behaves like cat. */
function planted(name: string): string {
  const script = path.join(markers, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\ntouch '${markers}/${name}.ran'\ncat\n`, { mode: 0o755 });
  return script;
}

const ran = () => readdirSync(markers).filter((f) => f.endsWith('.ran'));

/** A repository with one commit of a.txt (then changed), and `config` appended to its .git/config. */
function repository(dir: string, config = ''): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(path.join(dir, 'a.txt'), 'one\n');
  git(dir, 'add', 'a.txt');
  git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init');
  writeFileSync(path.join(dir, 'a.txt'), 'one\ntwo\n');
  if (config) writeFileSync(path.join(dir, '.git', 'config'), config, { flag: 'a' });
  return dir;
}

describe('repository-configured programs', () => {
  it('none runs for /diff or the file listing, also through an include from the work tree', async () => {
    const repo = repository(
      path.join(base, 'repo'),
      [
        '[core]',
        `\tfsmonitor = ${planted('fsmonitor')}`,
        `\tpager = ${planted('pager')}`,
        `\thooksPath = ${markers}`,
        '[include]',
        '\tpath = ../team.gitconfig',
        '',
      ].join('\n'),
    );
    // What a sandboxed command could write into the work tree: attributes and the included file.
    writeFileSync(path.join(repo, '.gitattributes'), '* filter=evil diff=evil\n');
    writeFileSync(
      path.join(repo, 'team.gitconfig'),
      [
        '[filter "evil"]',
        `\tclean = ${planted('clean')}`,
        `\tsmudge = ${planted('smudge')}`,
        '[diff "evil"]',
        `\ttextconv = ${planted('textconv')}`,
        `\tcommand = ${planted('external')}`,
        '[diff]',
        `\texternal = ${planted('diff-external')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(repo, 'new.txt'), 'new\n');
    const pinned = HostGit.pin(repo);
    expect(pinned).toBeDefined();
    const diff = await gitDiff(repo, pinned);
    expect(diff.ok).toBe(true);
    if (diff.ok) {
      expect(diff.diff).toContain('+two');
      expect(diff.diff).toContain('+new');
    }
    const files = await gitFiles(repo, pinned);
    expect(files).toEqual(expect.arrayContaining(['a.txt', 'new.txt', 'team.gitconfig']));
    expect(ran()).toEqual([]);
  });
});

describe('the repository is pinned at session start', () => {
  it('a .git planted above a cwd that was in no repository is never used', async () => {
    const cwd = path.join(base, 'outer', 'proj');
    mkdirSync(cwd, { recursive: true });
    const pinned = HostGit.pin(cwd);
    expect(pinned).toBeUndefined();
    // Later, from a sandbox that can write base/outer: a repository with an fsmonitor.
    repository(path.join(base, 'outer'), `[core]\n\tfsmonitor = ${planted('fsmonitor')}\n`);
    const diff = await gitDiff(cwd, pinned);
    expect(diff.ok).toBe(false);
    expect(ran()).toEqual([]);
  });

  it('a .git symlink pointed at another git directory later: git still reads the pinned one', async () => {
    const good = repository(path.join(base, 'good'));
    const evil = repository(path.join(base, 'evil'), `[core]\n\tfsmonitor = ${planted('fsmonitor')}\n`);
    const work = path.join(base, 'work');
    mkdirSync(work);
    writeFileSync(path.join(work, 'a.txt'), 'one\ntwo\nthree\n');
    symlinkSync(path.join(good, '.git'), path.join(work, '.git'));
    const pinned = HostGit.pin(work);
    expect(pinned?.repository.gitDir).toBe(path.join(good, '.git'));
    rmSync(path.join(work, '.git'));
    symlinkSync(path.join(evil, '.git'), path.join(work, '.git'));
    const diff = await gitDiff(work, pinned);
    expect(diff.ok).toBe(true);
    if (diff.ok) expect(diff.diff).toContain('+three');
    expect(ran()).toEqual([]);
    expect(existsSync(path.join(good, '.git', 'HEAD'))).toBe(true);
  });
});
