/**
 * Several processes adding to one output folder's manifest at once (two `spool media` runs with the
 * same --out) lose no entry and never leave broken JSON; a lock left by a killed process is broken.
 * The manifest module is built as the CLI bundle builds it and run by plain node in each child.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

const cacheDir = path.join(ROOT, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const builtDir = mkdtempSync(path.join(cacheDir, 'media-outputs-'));
const built = path.join(builtDir, 'outputs.mjs');
afterAll(() => rmSync(builtDir, { recursive: true, force: true }));
buildSync({
  entryPoints: [path.join(ROOT, 'src/media/outputs.ts')],
  outfile: built,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'error',
});

/** A child that adds `count` entries named `<tag>-<i>`, one manifest update each. */
function adderScript(out: string, tag: string, count: number): string {
  return `
const { OutputFolder } = await import(${JSON.stringify(built)});
const folder = new OutputFolder(${JSON.stringify(out)});
for (let i = 0; i < ${count}; i++) {
  folder.updateManifest((m) => { m.assets.push({ file: '${tag}-' + i + '.png', kind: 'image' }); });
}
`;
}

function runNode(script: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function manifestFiles(out: string): string[] {
  const parsed = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
    assets: Array<{ file: string }>;
  };
  return parsed.assets.map((asset) => asset.file).sort();
}

describe('manifest.json shared by processes', () => {
  it('keeps every entry when several processes add to it at the same time', async () => {
    const out = path.join(tempDir('spool-media-manifest-'), 'renders');
    const tags = ['a', 'b', 'c', 'd'];
    const count = 40;
    const runs = await Promise.all(tags.map((tag) => runNode(adderScript(out, tag, count))));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const expected = tags.flatMap((tag) => Array.from({ length: count }, (_, i) => `${tag}-${i}.png`)).sort();
    expect(manifestFiles(out)).toEqual(expected);
    // Nothing left behind: no lock, no temporary file.
    expect(fs.readdirSync(out).sort()).toEqual(['manifest.json']);
  }, 60_000);

  it('breaks a lock left by a process that died, and keeps the entries already there', async () => {
    const out = path.join(tempDir('spool-media-manifest-'), 'renders');
    expect((await runNode(adderScript(out, 'before', 2))).code).toBe(0);
    // A process that is gone by now, as if killed -9 while it held the lock.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const lock = path.join(out, '.manifest.json.lock');
    fs.writeFileSync(
      lock,
      JSON.stringify({
        pid: Number(dead.stdout),
        host: (await import('node:os')).hostname(),
        token: 'x',
        at: Date.now(),
      }),
    );
    const run = await runNode(adderScript(out, 'after', 1));
    expect(run.code, run.stderr).toBe(0);
    expect(manifestFiles(out)).toEqual(['after-0.png', 'before-0.png', 'before-1.png']);
    expect(fs.existsSync(lock)).toBe(false);
  }, 30_000);

  it('keeps an unreadable manifest aside instead of writing over it', async () => {
    const out = path.join(tempDir('spool-media-manifest-'), 'renders');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'manifest.json'), '{"assets": [{"file": "old.png"');
    const run = await runNode(adderScript(out, 'new', 1));
    expect(run.code, run.stderr).toBe(0);
    expect(manifestFiles(out)).toEqual(['new-0.png']);
    const kept = fs.readdirSync(out).filter((name) => name.startsWith('manifest.json.unreadable-'));
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(path.join(out, kept[0] as string), 'utf8')).toBe('{"assets": [{"file": "old.png"');
  }, 30_000);
});
