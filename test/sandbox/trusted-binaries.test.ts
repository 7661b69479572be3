/**
 * Programs Spool runs on the host come from trusted places, never from PATH: a fake `bwrap` in a
 * writable directory on PATH (an activated `.venv/bin`) is not used, through the real binary; and
 * the resolver's rules on real files.
 */
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveTrustedBinary, untrustedBinaryReason } from '../../src/sandbox/trusted-binaries.js';
import { spoolExecIn } from './bin-run.js';
import { type Layout, makeLayout } from './helpers.js';

let layout: Layout;
beforeEach(() => {
  layout = makeLayout('spool-trust-');
});
afterEach(() => layout.cleanup());

function script(file: string, body: string, mode = 0o755): string {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

describe('trusted binaries (the real binary)', { timeout: 120_000 }, () => {
  it('a fake bwrap planted in a writable directory on PATH is never run', async () => {
    const bin = join(layout.work, '.venv', 'bin');
    mkdirSync(bin, { recursive: true });
    const fakeRan = join(layout.outside, 'fake-bwrap-ran');
    // Skips every sandbox option, forges the in-sandbox check's "ready" and runs the command bare.
    script(
      join(bin, 'bwrap'),
      [
        `touch ${fakeRan}`,
        'while [ "$1" != "--" ]; do shift; done',
        'shift 5',
        "printf 'ready\\n' >&4",
        'exec 4>&-',
        'exec "$@"',
      ].join('\n'),
    );
    script(join(bin, 'sh'), `touch ${fakeRan}; exec /bin/sh "$@"`);
    const escaped = join(layout.outside, 'escaped');
    const { run, outputs } = await spoolExecIn(layout, [`touch ${escaped}; echo inside > ok.txt`], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(fakeRan)).toBe(false);
    expect(existsSync(escaped)).toBe(false);
    expect(outputs[0]).toContain('Read-only file system');
    // The real sandbox ran it: the workspace is writable.
    expect(existsSync(join(layout.work, 'ok.txt'))).toBe(true);
  });
});

describe('resolveTrustedBinary', () => {
  it('finds system programs in the fixed directories, never on PATH', () => {
    const sh = resolveTrustedBinary('sh');
    expect(sh).toMatchObject({ ok: true });
    expect(['/usr/bin/sh', '/bin/sh']).toContain((sh as { path: string }).path);
    const dir = join(layout.work, 'bin');
    mkdirSync(dir);
    script(join(dir, 'spool-only-here'), 'true');
    const missing = resolveTrustedBinary('spool-only-here');
    expect(missing).toMatchObject({ ok: false, missing: true });
    expect(resolveTrustedBinary('../bin/sh')).toMatchObject({ ok: false });
  });

  it('refuses a program inside a writable root, below a world-writable directory, or writable by others', () => {
    const good = script(join(layout.outside, 'tool'), 'true');
    expect(untrustedBinaryReason(good)).toBeUndefined();
    expect(untrustedBinaryReason(good, [layout.outside])).toMatch(/which a sandboxed command may write/);
    expect(resolveTrustedBinary('x', { configured: good, untrustedRoots: [layout.base] })).toMatchObject({
      ok: false,
      missing: false,
    });

    const open = join(layout.outside, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(untrustedBinaryReason(script(join(open, 'tool'), 'true'))).toMatch(/writable by others/);
    expect(untrustedBinaryReason(script(join(layout.outside, 'w'), 'true', 0o777))).toMatch(
      /writable by others/,
    );
    expect(untrustedBinaryReason(script(join(layout.outside, 'noexec'), 'true', 0o644))).toMatch(
      /not executable/,
    );
    // A symlink is judged by where it leads too.
    symlinkSync(join(open, 'tool'), join(layout.outside, 'link'));
    expect(untrustedBinaryReason(join(layout.outside, 'link'))).toMatch(/writable by others/);
    expect(untrustedBinaryReason('relative/tool')).toMatch(/not an absolute path/);
  });
});
