/**
 * The engine on real files: all-or-nothing (including failures in the middle of the commit),
 * modes, line endings, moves, symlinks, and patches that touch one file several times.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSandboxPolicy } from '../../src/protocol/policy.js';
import { buildWritePolicy } from '../../src/sandbox/write-policy.js';
import type { CommitHooks } from '../../src/tools/apply-patch/commit.js';
import { applyPatch } from '../../src/tools/apply-patch/engine.js';
import { describeTree, makeTempDir, snapshotTree, writeFiles } from './helpers.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

let root: string;
beforeEach(async () => {
  root = await makeTempDir();
  temps.push(root);
});

async function apply(patch: string, hooks?: CommitHooks, signal?: AbortSignal) {
  const policy = await buildWritePolicy(defaultSandboxPolicy('workspace-write'), {
    cwd: root,
    spoolHome: path.join(root, '.spool-home'),
  });
  return applyPatch({ patch, cwd: root, policy, ...(hooks ? { hooks } : {}), ...(signal ? { signal } : {}) });
}

const tree = async () => describeTree(await snapshotTree(root));

describe('all-or-nothing', () => {
  it('leaves every file untouched when a later hunk fails verification', async () => {
    await writeFiles(root, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'gone.txt': 'g\n' });
    const before = await tree();
    const outcome = await apply(
      [
        '*** Begin Patch',
        '*** Add File: new/dir/created.txt',
        '+hello',
        '*** Update File: a.txt',
        '@@',
        '-a',
        '+A',
        '*** Delete File: gone.txt',
        '*** Update File: b.txt',
        '@@',
        '-not there',
        '+x',
        '*** End Patch',
      ].join('\n'),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.output).toMatch(/^Failed to find expected lines in b\.txt:\nnot there\n/);
    expect(outcome.output).toContain('The patch was not applied and no file was changed');
    expect(await tree()).toEqual(before);
  });

  it('rolls back files already replaced when the commit fails part-way', async () => {
    await writeFiles(root, { 'a.txt': 'a\n', 'old.txt': 'old\n', 'del.txt': 'd\n' });
    await fs.chmod(path.join(root, 'a.txt'), 0o640);
    const before = await tree();
    const outcome = await apply(
      [
        '*** Begin Patch',
        '*** Update File: a.txt',
        '@@',
        '-a',
        '+A',
        '*** Delete File: del.txt',
        '*** Update File: old.txt',
        '*** Move to: moved/old.txt',
        '@@',
        '-old',
        '+new',
        '*** Add File: z/last.txt',
        '+last',
        '*** End Patch',
      ].join('\n'),
      {
        // Something else puts a directory where the last file goes, after verification.
        beforeReplace: async () => {
          await fs.mkdir(path.join(root, 'z', 'last.txt'), { recursive: true });
        },
      },
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.output).toMatch(/^Failed to write file .*z\/last\.txt: .*No files were changed\.$/);
    await fs.rm(path.join(root, 'z'), { recursive: true });
    expect(await tree()).toEqual(before);
    expect((await fs.stat(path.join(root, 'a.txt'))).mode & 0o777).toBe(0o640);
  });

  it('leaves no temporary or backup files after success', async () => {
    await writeFiles(root, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const outcome = await apply(
      '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Delete File: b.txt\n*** End Patch',
    );
    expect(outcome.output).toBe('Success. Updated the following files:\nM a.txt\nD b.txt\n');
    expect(await tree()).toEqual({ 'a.txt': JSON.stringify('A\n') });
  });

  it('does nothing once the turn is interrupted', async () => {
    await writeFiles(root, { 'a.txt': 'a\n' });
    const controller = new AbortController();
    controller.abort();
    const outcome = await apply(
      '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** End Patch',
      undefined,
      controller.signal,
    );
    expect(outcome.status).toBe('failed');
    expect(await fs.readFile(path.join(root, 'a.txt'), 'utf8')).toBe('a\n');
  });
});

describe('file semantics', () => {
  it('preserves modes on update and carries them through a move', async () => {
    await writeFiles(root, { 'run.sh': '#!/bin/sh\necho hi\n', 'tool.sh': '#!/bin/sh\n' });
    await fs.chmod(path.join(root, 'run.sh'), 0o755);
    await fs.chmod(path.join(root, 'tool.sh'), 0o750);
    const outcome = await apply(
      '*** Begin Patch\n*** Update File: run.sh\n@@\n-echo hi\n+echo hello\n*** Update File: tool.sh\n*** Move to: bin/tool.sh\n@@\n #!/bin/sh\n+exit 0\n*** End Patch',
    );
    expect(outcome.status).toBe('applied');
    expect((await fs.stat(path.join(root, 'run.sh'))).mode & 0o7777).toBe(0o755);
    expect((await fs.stat(path.join(root, 'bin/tool.sh'))).mode & 0o7777).toBe(0o750);
    expect(existsSync(path.join(root, 'tool.sh'))).toBe(false);
  });

  it('keeps CRLF and mixed line endings of updated files', async () => {
    await writeFiles(root, { 'crlf.txt': 'one\r\ntwo\r\n', 'mixed.txt': 'a\r\nb\nc\r\n' });
    const outcome = await apply(
      '*** Begin Patch\n*** Update File: crlf.txt\n@@\n one\n-two\n+TWO\n+three\n*** Update File: mixed.txt\n@@\n a\n-b\n+B\n c\n*** End Patch',
    );
    expect(outcome.status).toBe('applied');
    expect(await fs.readFile(path.join(root, 'crlf.txt'), 'utf8')).toBe('one\r\nTWO\r\nthree\r\n');
    expect(await fs.readFile(path.join(root, 'mixed.txt'), 'utf8')).toBe('a\r\nB\r\nc\r\n');
  });

  it('applies hunks in order, so a file can be added and then updated in one patch', async () => {
    const outcome = await apply(
      '*** Begin Patch\n*** Add File: f.txt\n+one\n+two\n*** Update File: f.txt\n@@\n-two\n+2\n*** End Patch',
    );
    expect(outcome.output).toBe('Success. Updated the following files:\nA f.txt\nM f.txt\n');
    expect(await fs.readFile(path.join(root, 'f.txt'), 'utf8')).toBe('one\n2\n');
  });

  it('writes through a symlink inside the root to its target, keeping the link', async () => {
    await writeFiles(root, { 'real/target.txt': 'x\n' });
    await fs.symlink('real/target.txt', path.join(root, 'alias.txt'));
    const outcome = await apply('*** Begin Patch\n*** Update File: alias.txt\n@@\n-x\n+y\n*** End Patch');
    expect(outcome.status).toBe('applied');
    expect((await fs.lstat(path.join(root, 'alias.txt'))).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(path.join(root, 'real/target.txt'), 'utf8')).toBe('y\n');
  });

  it('refuses to update a file that is not UTF-8 text', async () => {
    await writeFiles(root, { 'bin.dat': Buffer.from([0xff, 0xfe, 0x00, 0x0a]) });
    const outcome = await apply('*** Begin Patch\n*** Update File: bin.dat\n@@\n-x\n+y\n*** End Patch');
    expect(outcome.output).toMatch(
      /^Failed to read file to update bin\.dat: stream did not contain valid UTF-8/,
    );
  });

  it('refuses to add a file where a directory is, or under a file', async () => {
    await writeFiles(root, { 'dir/x.txt': 'x\n', 'file.txt': 'f\n' });
    expect((await apply('*** Begin Patch\n*** Add File: dir\n+x\n*** End Patch')).output).toMatch(
      /^Failed to write file dir: Is a directory \(os error 21\)/,
    );
    expect(
      (await apply('*** Begin Patch\n*** Add File: file.txt/sub.txt\n+x\n*** End Patch')).output,
    ).toMatch(
      /^Failed to create parent directories for file\.txt\/sub\.txt: Not a directory \(os error 20\)/,
    );
  });

  it('reports an empty patch as an error (not "nothing to do") and an unparsable one, touching nothing', async () => {
    await writeFiles(root, { 'a.txt': 'a\n' });
    const before = await tree();
    for (const empty of ['*** Begin Patch\n*** End Patch', "<<'EOF'\n*** Begin Patch\n*** End Patch\nEOF"]) {
      const outcome = await apply(empty);
      expect(outcome.status).toBe('invalid');
      expect(outcome.output).toMatch(/^Invalid patch: empty patch\b/);
      expect(outcome.output).not.toContain('No files were modified');
    }
    expect((await apply('garbage')).status).toBe('invalid');
    expect(await tree()).toEqual(before);
  });

  it('gives every change an absolute path and a unified diff', async () => {
    await writeFiles(root, { 'a.txt': 'one\ntwo\n', 'd.txt': 'bye\n' });
    const outcome = await apply(
      '*** Begin Patch\n*** Add File: n.txt\n+new\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n-two\n+2\n*** Delete File: d.txt\n*** End Patch',
    );
    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(outcome.changes).toEqual([
      {
        path: path.join(root, 'n.txt'),
        kind: 'add',
        diff: '--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,1 @@\n+new\n',
      },
      {
        path: path.join(root, 'a.txt'),
        kind: 'update',
        move_path: path.join(root, 'b.txt'),
        diff: '--- a/a.txt\n+++ b/b.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n',
      },
      {
        path: path.join(root, 'd.txt'),
        kind: 'delete',
        diff: '--- a/d.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-bye\n',
      },
    ]);
  });
});
