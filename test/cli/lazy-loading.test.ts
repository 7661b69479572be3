import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

/** The modules of Spool's build that a command loads. */
function loadedModules(args: string[]): string[] {
  const run = spawnSync(
    process.execPath,
    [
      '--no-warnings',
      `--experimental-loader=${path.join(ROOT, 'test/cli/fixtures/trace-loader.mjs')}`,
      SPOOL_BIN,
      ...args,
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SPOOL_HOME: tempDir() },
      input: '',
    },
  );
  return run.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
}

describe('front ends load only what they use', () => {
  it('spool exec loads no UI, app-server or MCP code', () => {
    const modules = loadedModules(['exec', '--skip-git-repo-check']);
    expect(modules).toContain('cli/exec.js');
    expect(modules.filter((m) => /^(tui|app-server)\/|^tools\/mcp\/(?!attach)/.test(m))).toEqual([]);
  });
});
