import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

describe('OpenTelemetry is loaded only when [otel] exports something', () => {
  it('spool exec without [otel] loads none of the SDK wiring', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--no-warnings',
        `--experimental-loader=${path.join(ROOT, 'test/cli/fixtures/trace-loader.mjs')}`,
        SPOOL_BIN,
        'exec',
        '--skip-git-repo-check',
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, SPOOL_HOME: tempDir() },
        input: '',
      },
    );
    const loaded = run.stderr.split('\n').filter((line) => line.startsWith('LOADED '));
    expect(loaded).toContain('LOADED cli/exec.js');
    expect(loaded.filter((line) => /telemetry\/(otel|thread-observer|metrics)\.js/.test(line))).toEqual([]);
  });
});
