/**
 * What host git reads stays out of the sandbox's reach, under the real bubblewrap: the enclosing
 * repository's `.git` when the cwd is below its top (inside a writable root), the main repository's
 * git directory behind a linked worktree's `.git` file, and the files the repository's configuration
 * includes or runs hooks from when they lie in the work tree. Judged by the files, not exit codes;
 * apply_patch is refused the same paths.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, hashOf, type Layout, makeContext, makeLayout, text } from '../sandbox/helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-gitprot-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
}

function repository(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  git(dir, 'add', 'a.txt');
  git(dir, 'commit', '-qm', 'init');
  mkdirSync(path.join(dir, '.git', 'hooks'), { recursive: true });
  return dir;
}

/** Runs `script` in the sandbox at `cwd`, with `layout.work` as an extra writable root. */
async function sandboxed(cwd: string, script: string): Promise<string> {
  const { ctx } = makeContext(cwd, { spoolHome: layout.home, sandbox: { writableRoots: [layout.work] } });
  const result = await call(createShellTools(sessions).shell, { command: ['bash', '-c', script] }, ctx);
  return text(result);
}

const ATTACK = (gitDir: string) =>
  [
    `echo "[core] fsmonitor = /tmp/evil" >> ${gitDir}/config`,
    `printf '#!/bin/sh\\nid\\n' > ${gitDir}/hooks/pre-commit`,
    `mkdir -p ${gitDir}/info; echo x > ${gitDir}/info/attributes`,
  ].join('; ');

describe('host git inputs are read-only in the sandbox', () => {
  it('the enclosing repository, when the cwd is below its top inside a writable root', async () => {
    const repo = repository(path.join(layout.work, 'repo'));
    const cwd = path.join(repo, 'sub');
    mkdirSync(cwd);
    const config = hashOf(path.join(repo, '.git', 'config'));
    const output = await sandboxed(cwd, ATTACK('../.git'));
    expect(output).toContain('Read-only file system');
    expect(hashOf(path.join(repo, '.git', 'config'))).toBe(config);
    expect(existsSync(path.join(repo, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(path.join(repo, '.git', 'info', 'attributes'))).toBe(false);
  });

  it("a linked worktree's main git directory (config and hooks live there)", async () => {
    const main = repository(path.join(layout.work, 'main'));
    const worktree = path.join(layout.work, 'wt');
    git(main, 'worktree', 'add', '-q', worktree);
    const config = hashOf(path.join(main, '.git', 'config'));
    const output = await sandboxed(worktree, ATTACK(path.join(main, '.git')));
    expect(output).toContain('Read-only file system');
    expect(hashOf(path.join(main, '.git', 'config'))).toBe(config);
    expect(existsSync(path.join(main, '.git', 'hooks', 'pre-commit'))).toBe(false);
  });

  it('files the configuration includes and the hooks directory it names, inside the work tree', async () => {
    const repo = repository(path.join(layout.work, 'proj'));
    writeFileSync(
      path.join(repo, '.git', 'config'),
      '[include]\n\tpath = ../team.gitconfig\n[core]\n\thooksPath = .githooks\n',
      { flag: 'a' },
    );
    writeFileSync(path.join(repo, 'team.gitconfig'), '[user]\n\tname = team\n');
    mkdirSync(path.join(repo, '.githooks'));
    const output = await sandboxed(
      repo,
      'echo "[core] fsmonitor = /tmp/evil" >> team.gitconfig; printf "#!/bin/sh\\nid\\n" > .githooks/pre-commit; echo ok > notes.txt',
    );
    expect(output).toContain('Read-only file system');
    expect(readFileSync(path.join(repo, 'team.gitconfig'), 'utf8')).toBe('[user]\n\tname = team\n');
    expect(existsSync(path.join(repo, '.githooks', 'pre-commit'))).toBe(false);
    // The rest of the work tree is as writable as ever.
    expect(readFileSync(path.join(repo, 'notes.txt'), 'utf8')).toBe('ok\n');

    const { ctx } = makeContext(repo, { spoolHome: layout.home });
    const patched = await runApplyPatch(
      '*** Begin Patch\n*** Update File: team.gitconfig\n@@\n-\tname = team\n+\tname = team\n+[core]\n+\tfsmonitor = /tmp/evil\n*** End Patch',
      ctx,
    );
    expect(patched.success).toBe(false);
    expect(text(patched)).toMatch(
      /Patch rejected: .*team\.gitconfig.* is inside git configuration, which is protected/,
    );
    expect(readFileSync(path.join(repo, 'team.gitconfig'), 'utf8')).toBe('[user]\n\tname = team\n');
  });
});
