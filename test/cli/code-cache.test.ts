/**
 * bin/spool compiles the bundle with a V8 code cache (issue 18 item 2): written by the first run,
 * used (not rejected: the flags the CLI sets at run time are set before compiling) by the next,
 * and the caches of earlier builds are removed when a new one is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('the code cache', () => {
  it('is written once, then used; an earlier build’s cache is removed', async () => {
    const home = tempDir('spool-home-');
    const dir = path.join(home, 'cache', 'v8');
    fs.mkdirSync(dir, { recursive: true });
    const stale = path.join(dir, 'spool-1-2-v20.0.0-x64-run.bin');
    fs.writeFileSync(stale, 'an earlier build');
    // A turn of `spool exec` loads the bash parser, which changes V8 flags at run time.
    emulator = await startEmulator({ script: [respond(say('one')), respond(say('two'))] });
    const env = {
      SPOOL_HOME: home,
      SPOOL_DEBUG_CODE_CACHE: '1',
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
    };
    const args = ['exec', '--skip-git-repo-check', '-C', tempDir(), 'hi'];

    const first = await runSpool(args, { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('spool: code cache absent');
    const written = fs.readdirSync(dir);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^spool-\d+-\d+-v[\d.]+-\w+-run\.bin$/);
    expect(fs.existsSync(stale)).toBe(false);

    const second = await runSpool(args, { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('spool: code cache used');
    expect([first.stdout, second.stdout]).toEqual(['one\n', 'two\n']);
  }, 60_000);
});
