/**
 * A command starts with only its stdio and the sandbox's own descriptors: a directory descriptor
 * Spool inherited from its parent would let a read-only sandbox create files outside it
 * (`/proc/self/fd/N/file`). Through the real binary, launched with extra inherited descriptors.
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { descriptorsNamedIn } from '../../src/sandbox/inherited-descriptors.js';
import { spoolExecIn } from './bin-run.js';
import { type Layout, makeLayout } from './helpers.js';

let layout: Layout;
beforeEach(() => {
  layout = makeLayout('spool-fds-');
});
afterEach(() => layout.cleanup());

describe('inherited descriptors (the real binary)', { timeout: 120_000 }, () => {
  for (const sandbox of ['read-only', 'workspace-write'] as const) {
    it(`${sandbox}: an inherited directory fd cannot be used to write outside`, async () => {
      const dir = openSync(layout.outside, 'r');
      const file = openSync(join(layout.base, 'log.txt'), 'a');
      try {
        const numbers = [5, 40, 99];
        const writes = numbers.map(
          (n) => `echo x > /proc/self/fd/${n}/pwned-${n}; echo x > /dev/fd/${n}/pwned2-${n}; echo y >&${n}`,
        );
        const { run, outputs } = await spoolExecIn(
          layout,
          [`ls -l /proc/self/fd /proc/1/fd; ${writes.join('; ')}; echo end`],
          { sandbox, inheritFds: { 5: dir, 40: dir, 99: file } },
        );
        expect(run.code, run.stderr).toBe(0);
        expect(outputs[0]).toContain('end');
        expect(readdirSync(layout.outside)).toEqual([]);
        expect(readFileSync(join(layout.base, 'log.txt'), 'utf8')).toBe('');
        expect(outputs[0]).not.toContain(layout.outside);
      } finally {
        closeSync(dir);
        closeSync(file);
      }
    });
  }
});

describe('descriptorsNamedIn', () => {
  it('keeps descriptors the command line names as files', () => {
    expect(
      descriptorsNamedIn(['exec', '-o', '/dev/fd/3', '--output-schema=/proc/self/fd/12', 'fd/4']),
    ).toEqual([3, 12]);
  });
});
