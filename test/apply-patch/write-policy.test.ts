/**
 * The write policy shared with the shell, and apply_patch obeying it: every way out of the writable
 * roots (`..`, absolute paths, symlinks), protected names inside them, and the sandbox modes.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSandboxPolicy, type SandboxMode } from '../../src/protocol/policy.js';
import {
  buildWritePolicy,
  checkWritePath,
  decideWrite,
  resolvePhysicalPath,
} from '../../src/sandbox/write-policy.js';
import { applyPatch } from '../../src/tools/apply-patch/engine.js';
import { describeTree, makeTempDir, snapshotTree, writeFiles } from './helpers.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

let base: string;
let root: string;
let outside: string;
let home: string;

beforeEach(async () => {
  base = await makeTempDir();
  temps.push(base);
  root = path.join(base, 'project');
  outside = path.join(base, 'outside');
  home = path.join(base, 'spool-home');
  await writeFiles(root, { 'src/a.txt': 'a\n', '.git/config': '[core]\n' });
  await writeFiles(outside, { 'secret.txt': 'secret\n' });
  await writeFiles(home, { 'config.toml': 'model = "x"\n' });
});

/** Workspace-write on `root` only: /tmp excluded, since the fixtures themselves live there. */
async function policyFor(mode: SandboxMode = 'workspace-write', extraRoots: string[] = []) {
  const sandbox = {
    ...defaultSandboxPolicy(mode),
    writableRoots: extraRoots,
    excludeSlashTmp: true,
    excludeTmpdirEnvVar: true,
  };
  return buildWritePolicy(sandbox, { cwd: root, spoolHome: home, env: {} });
}

async function apply(patch: string, mode: SandboxMode = 'workspace-write') {
  const before = describeTree(await snapshotTree(base));
  const outcome = await applyPatch({ patch, cwd: root, policy: await policyFor(mode) });
  return { outcome, unchanged: async () => expect(describeTree(await snapshotTree(base))).toEqual(before) };
}

const add = (p: string) => `*** Begin Patch\n*** Add File: ${p}\n+x\n*** End Patch`;

describe('write policy through apply_patch', () => {
  it('refuses ../ escapes', async () => {
    const { outcome, unchanged } = await apply(add('../outside/new.txt'));
    expect(outcome.status).toBe('failed');
    expect(outcome.output).toContain(
      `Patch rejected: ../outside/new.txt (resolved to ${outside}/new.txt) is outside the writable roots (${root})`,
    );
    await unchanged();
  });

  it('refuses absolute paths outside the roots', async () => {
    const target = path.join(outside, 'secret.txt');
    const { outcome, unchanged } = await apply(
      `*** Begin Patch\n*** Update File: ${target}\n@@\n-secret\n+pwned\n*** End Patch`,
    );
    expect(outcome.output).toContain(`Patch rejected: ${target} is outside the writable roots`);
    await unchanged();
  });

  it('allows absolute paths inside the roots', async () => {
    const { outcome } = await apply(add(path.join(root, 'abs.txt')));
    expect(outcome.status).toBe('applied');
    expect(await fs.readFile(path.join(root, 'abs.txt'), 'utf8')).toBe('x\n');
  });

  it('refuses writing through a symlink that points outside', async () => {
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    await fs.symlink(outside, path.join(root, 'linkdir'));
    const update = await apply(
      '*** Begin Patch\n*** Update File: link.txt\n@@\n-secret\n+pwned\n*** End Patch',
    );
    expect(update.outcome.output).toContain(
      `link.txt (resolved to ${outside}/secret.txt) is outside the writable roots`,
    );
    await update.unchanged();
    const viaDir = await apply(add('linkdir/new.txt'));
    expect(viaDir.outcome.output).toContain(`linkdir/new.txt (resolved to ${outside}/new.txt) is outside`);
    await viaDir.unchanged();
  });

  it('applies .. after following a symlink, as the kernel does', async () => {
    // root/deep -> outside/x/y ; root/deep/../../secret.txt is outside/secret.txt, not root/secret.txt.
    await fs.mkdir(path.join(outside, 'x', 'y'), { recursive: true });
    await fs.symlink(path.join(outside, 'x', 'y'), path.join(root, 'deep'));
    const { outcome, unchanged } = await apply(add('deep/../../secret2.txt'));
    expect(outcome.output).toContain(`resolved to ${outside}/secret2.txt) is outside the writable roots`);
    await unchanged();
  });

  it('deletes a symlink itself (inside the root) without touching its target', async () => {
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    const { outcome } = await apply('*** Begin Patch\n*** Delete File: link.txt\n*** End Patch');
    expect(outcome.status).toBe('applied');
    expect(existsSync(path.join(root, 'link.txt'))).toBe(false);
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret\n');
  });

  it('refuses a move into .git/', async () => {
    const { outcome, unchanged } = await apply(
      '*** Begin Patch\n*** Update File: src/a.txt\n*** Move to: .git/hooks/pre-commit\n@@\n-a\n+#!/bin/sh\n*** End Patch',
    );
    expect(outcome.output).toContain(
      'Patch rejected: .git/hooks/pre-commit is inside .git, which is protected',
    );
    await unchanged();
  });

  it('refuses creating .spool/ and .agents/ even though they do not exist', async () => {
    for (const p of ['.spool/config.toml', '.agents/skills/x.md']) {
      const { outcome, unchanged } = await apply(add(p));
      expect(outcome.output).toContain(
        `Patch rejected: ${p} is inside ${p.split('/')[0]}, which is protected`,
      );
      await unchanged();
    }
  });

  it('protects a nested repository’s .git too', async () => {
    const { outcome } = await apply(add('vendor/lib/.git/config'));
    expect(outcome.output).toContain('is inside .git, which is protected');
  });

  it('protects the directory a gitdir: file points to', async () => {
    const worktree = path.join(root, 'wt');
    const gitdir = path.join(root, 'gitdirs', 'wt');
    await writeFiles(worktree, { '.git': `gitdir: ${gitdir}\n`, 'f.txt': 'f\n' });
    await fs.mkdir(gitdir, { recursive: true });
    const sandbox = {
      ...defaultSandboxPolicy('workspace-write'),
      excludeSlashTmp: true,
      excludeTmpdirEnvVar: true,
    };
    const policy = await buildWritePolicy(sandbox, { cwd: worktree, spoolHome: home, env: {} });
    expect(policy.protectedPaths.map((p) => p.path)).toContain(gitdir);
    const outcome = await applyPatch({
      patch: add(path.join(gitdir, 'HEAD')),
      cwd: worktree,
      policy: { ...policy, writableRoots: [...policy.writableRoots, root] },
    });
    expect(outcome.output).toContain(`${gitdir}/HEAD is inside .git, which is protected`);
    expect(existsSync(path.join(gitdir, 'HEAD'))).toBe(false);
  });

  it('never writes the Spool home, even inside a writable root', async () => {
    const policy = await policyFor('workspace-write', [base]);
    const outcome = await applyPatch({ patch: add(path.join(home, 'config.toml')), cwd: root, policy });
    expect(outcome.output).toContain(`is inside the Spool home (${home}), which is never writable`);
    expect(await fs.readFile(path.join(home, 'config.toml'), 'utf8')).toBe('model = "x"\n');
  });

  it('read-only allows nothing and says so; danger-full-access allows anything', async () => {
    const readOnly = await apply(add('new.txt'), 'read-only');
    expect(readOnly.outcome.output).toContain("new.txt cannot be written: the sandbox mode is 'read-only'");
    await readOnly.unchanged();
    const full = await apply(add('../outside/new.txt'), 'danger-full-access');
    expect(full.outcome.status).toBe('applied');
    expect(await fs.readFile(path.join(outside, 'new.txt'), 'utf8')).toBe('x\n');
  });

  it('checks every file of a patch before writing any', async () => {
    const { outcome, unchanged } = await apply(
      '*** Begin Patch\n*** Add File: ok.txt\n+fine\n*** Update File: src/a.txt\n@@\n-a\n+b\n*** Add File: ../outside/evil.txt\n+x\n*** End Patch',
    );
    expect(outcome.status).toBe('failed');
    await unchanged();
  });
});

describe('write policy construction', () => {
  it('includes cwd, configured roots, /tmp and $TMPDIR in workspace-write unless excluded', async () => {
    const extra = path.join(base, 'extra');
    await fs.mkdir(extra);
    const policy = await buildWritePolicy(
      { ...defaultSandboxPolicy('workspace-write'), writableRoots: [extra] },
      { cwd: root, spoolHome: home, env: { TMPDIR: outside } },
    );
    expect(policy.writableRoots).toEqual([root, extra, await fs.realpath('/tmp'), outside]);
    const none = await buildWritePolicy(
      { ...defaultSandboxPolicy('workspace-write'), excludeSlashTmp: true, excludeTmpdirEnvVar: true },
      { cwd: root, spoolHome: home, env: { TMPDIR: outside } },
    );
    expect(none.writableRoots).toEqual([root]);
  });

  it('resolves roots and targets physically', async () => {
    await fs.symlink(root, path.join(base, 'project-link'));
    const policy = await buildWritePolicy(
      { ...defaultSandboxPolicy('workspace-write'), excludeSlashTmp: true, excludeTmpdirEnvVar: true },
      { cwd: path.join(base, 'project-link'), spoolHome: home, env: {} },
    );
    expect(policy.writableRoots).toEqual([root]);
    const check = await checkWritePath(policy, 'src/new/deeper.txt', {
      cwd: path.join(base, 'project-link'),
    });
    expect(check).toEqual({ allowed: true, realPath: path.join(root, 'src/new/deeper.txt') });
    expect(await resolvePhysicalPath(path.join(base, 'project-link', 'missing', '..', 'src'))).toBe(
      path.join(root, 'src'),
    );
  });

  it('decides purely from a resolved path', async () => {
    const policy = await policyFor();
    expect(decideWrite(policy, path.join(root, 'x'))).toEqual({ allowed: true });
    expect(decideWrite(policy, root + 'x')).toMatchObject({ allowed: false });
    expect(decideWrite(policy, path.join(root, '.git'))).toEqual({
      allowed: false,
      denial: 'protected',
      reason: 'is inside .git, which is protected',
    });
  });
});
