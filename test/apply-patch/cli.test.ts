/** `spool apply-patch [PATCH | -]`: Codex's exit codes and output streams. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, writeFiles } from './helpers.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

let root: string;
beforeEach(async () => {
  root = await makeTempDir();
  temps.push(root);
  await writeFiles(root, { 'a.txt': 'a\n' });
});

const PATCH = '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** End Patch\n';

describe('runApplyPatchCommand', () => {
  it('applies the patch given as the argument: exit 0, summary on stdout', async () => {
    expect(await runCli(root, PATCH)).toEqual({
      code: 0,
      stdout: 'Success. Updated the following files:\nM a.txt\n',
      stderr: '',
    });
    expect(await fs.readFile(path.join(root, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it('reads the patch from stdin for `-` or no argument', async () => {
    expect((await runCli(root, '-', PATCH)).code).toBe(0);
    await fs.writeFile(path.join(root, 'a.txt'), 'a\n');
    expect((await runCli(root, undefined, PATCH)).code).toBe(0);
    expect(await fs.readFile(path.join(root, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it('exits 2 with usage when stdin is empty', async () => {
    const run = await runCli(root, undefined, '');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: spool apply-patch 'PATCH'\n/);
  });

  it('exits 1 with the error on stderr for a patch that fails', async () => {
    const run = await runCli(root, '*** Begin Patch\n*** Delete File: nope.txt\n*** End Patch');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(
      /^Failed to delete file nope\.txt: No such file or directory \(os error 2\)\n/,
    );
    const invalid = await runCli(root, 'not a patch');
    expect(invalid).toEqual({
      code: 1,
      stdout: '',
      stderr: "Invalid patch: The first line of the patch must be '*** Begin Patch'\n",
    });
  });

  it('writes only inside the cwd (and temp dirs)', async () => {
    const run = await runCli(
      root,
      '*** Begin Patch\n*** Add File: .git/hooks/post-checkout\n+#!/bin/sh\n*** End Patch',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is inside .git, which is protected');
  });
});
