/**
 * No dead code: knip (configured in knip.json) finds no unused file, export, exported type or
 * dependency. Entry points are the CLI (`src/cli/main.ts`), the tests, the benchmarks and the
 * scripts, so an export only a test uses counts as used.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const KNIP = path.join(ROOT, 'node_modules/.bin/knip');

describe('dead code', () => {
  it('knip finds nothing unused', async () => {
    const result = await run(KNIP, ['--no-progress', '--reporter', 'compact'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? 1,
        stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      }),
    );
    expect(result.stdout.trim()).toBe('');
    expect(result.code).toBe(0);
  }, 180_000);
});
