/**
 * The emulator's command line with `--media` and the bundled media script: `spool media` against a
 * separate emulator process, as docs/media.md shows for trying it without an account.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pngSize } from '../emulator/media-png.js';
import { ROOT, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { readManifest } from './helpers.js';

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

function startCli(): Promise<string> {
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/emulator/cli.ts',
      '--media',
      '--script',
      'test/emulator/scripts/media-demo.json',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child?.stdout?.setEncoding('utf8').once('data', (line: string) => {
      const url = /listening on (\S+)/.exec(line)?.[1];
      if (url) resolve(url);
      else reject(new Error(`unexpected first line: ${line}`));
    });
    child?.once('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

describe('the media demo', () => {
  it('produces an accepted poster against the emulator CLI', async () => {
    const url = await startCli();
    const project = tempDir('spool-media-demo-');
    const run = await runSpool(['media', 'A launch poster for Spool'], {
      cwd: project,
      env: { OPENAI_BASE_URL: url, OPENAI_API_KEY: 'demo', SPOOL_HOME: tempDir('spool-media-demo-home-') },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Accepted: media/spool-launch-poster-teal-1.png');
    const poster = fs.readFileSync(path.join(project, 'media/spool-launch-poster-teal-1.png'));
    expect(pngSize(poster)).toEqual({ width: 24, height: 32 });
    expect(readManifest(path.join(project, 'media')).assets).toMatchObject([
      { file: 'spool-launch-poster-teal-1.png', critique: { verdict: 'accepted' } },
    ]);
  });
});
