/**
 * Codex's apply_patch scenarios (shared/conformance/codex-apply-patch): copy input/ to a temp dir,
 * apply patch.txt with that dir as cwd, and compare the whole tree (every file's bytes and every
 * directory) with expected/. Scenario 015 is Spool's one documented deviation: patches are atomic,
 * so the failed patch leaves the (empty) input tree unchanged instead of Codex's partial result.
 */
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyTree, describeTree, makeTempDir, runCli, snapshotTree } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../../../shared/conformance/codex-apply-patch');
const FAILING = new Set(['005', '006', '007', '008', '009', '012', '013', '015']);
const ATOMIC_DEVIATION = '015';

function scenarioDirs(): string[] {
  const dirs: string[] = [];
  for (const group of ['scenarios', 'supplementary']) {
    const base = path.join(ROOT, group);
    for (const name of readdirSync(base).sort()) {
      if (existsSync(path.join(base, name, 'patch.txt'))) dirs.push(path.join(base, name));
    }
  }
  return dirs;
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('Codex apply_patch conformance', () => {
  const dirs = scenarioDirs();

  it('finds all upstream and supplementary scenarios', () => {
    expect(dirs.length).toBe(25);
  });

  for (const dir of dirs) {
    const name = path.basename(dir);
    const id = name.slice(0, 3);
    it(name, async () => {
      const work = await makeTempDir();
      temps.push(work);
      if (existsSync(path.join(dir, 'input'))) await copyTree(path.join(dir, 'input'), work);
      const inputTree = await snapshotTree(work);
      const patch = readFileSync(path.join(dir, 'patch.txt'), 'utf8');

      const run = await runCli(work, patch);

      const actual = await snapshotTree(work);
      if (id === ATOMIC_DEVIATION) {
        // Codex leaves created.txt behind; Spool changes nothing when any hunk fails.
        expect(describeTree(actual)).toEqual(describeTree(inputTree));
        expect(existsSync(path.join(dir, 'expected', 'created.txt'))).toBe(true);
      } else {
        expect(describeTree(actual)).toEqual(describeTree(await snapshotTree(path.join(dir, 'expected'))));
      }
      if (FAILING.has(id)) {
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr.trim()).not.toBe('');
      } else {
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^Success\. Updated the following files:\n/);
      }
    });
  }
});
