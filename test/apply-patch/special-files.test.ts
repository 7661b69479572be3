/**
 * Patch targets that are not ordinary files: a FIFO (reading it would block forever), a socket, a
 * device, and a file over the size limit (a sparse 1 GiB file would be read whole into memory).
 * Each is refused with a reason, before anything is read, and nothing changes.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, lstatSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { type Layout, makeContext, makeLayout, text } from '../sandbox/helpers.js';

let layout: Layout;
beforeEach(() => {
  layout = makeLayout('spool-special-');
});
afterEach(() => layout.cleanup());

const update = (file: string) => `*** Begin Patch\n*** Update File: ${file}\n@@\n-a\n+b\n*** End Patch`;
const add = (file: string) => `*** Begin Patch\n*** Add File: ${file}\n+b\n*** End Patch`;
const remove = (file: string) => `*** Begin Patch\n*** Delete File: ${file}\n*** End Patch`;

async function patch(body: string, options: { maxFileBytes?: number } = {}) {
  const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
  const result = await runApplyPatch(body, ctx, options);
  return { success: result.success, output: text(result) };
}

describe('special files and size', () => {
  it('a FIFO is refused for update, add and delete, without blocking', async () => {
    execFileSync('mkfifo', [join(layout.work, 'pipe')]);
    for (const body of [update('pipe'), add('pipe'), remove('pipe')]) {
      const result = await patch(body);
      expect(result.success).toBe(false);
      expect(result.output).toMatch(/named pipe \(FIFO\), not a regular file/);
    }
    expect(lstatSync(join(layout.work, 'pipe')).isFIFO()).toBe(true);
  }, 10_000);

  it('a socket and a character device are refused', async () => {
    const server = net.createServer();
    const socketPath = join(layout.work, 'sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const result = await patch(update('sock'));
      expect(result.success).toBe(false);
      expect(result.output).toMatch(/a socket, not a regular file/);
    } finally {
      server.close();
    }
    // Root may make device nodes; elsewhere this part has nothing to make.
    if (process.getuid?.() === 0) {
      execFileSync('mknod', [join(layout.work, 'null'), 'c', '1', '3']);
      const result = await patch(update('null'));
      expect(result.success).toBe(false);
      expect(result.output).toMatch(/a character device, not a regular file/);
      expect(lstatSync(join(layout.work, 'null')).isCharacterDevice()).toBe(true);
    }
  });

  it('a sparse 1 GiB file is refused before it is read: no memory spent on it', async () => {
    const big = join(layout.work, 'big.txt');
    writeFileSync(big, 'a\n');
    truncateSync(big, 1024 ** 3);
    const before = process.memoryUsage().rss;
    const result = await patch(update('big.txt'));
    const grown = process.memoryUsage().rss - before;
    expect(result.success).toBe(false);
    expect(result.output).toMatch(/1073741824 bytes, over apply_patch's limit of \d+ bytes per file/);
    expect(result.output).toContain('apply_patch_max_file_bytes');
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    expect((await fs.stat(big)).size).toBe(1024 ** 3);
  });

  it('the limit is configurable; a file at the limit applies', async () => {
    writeFileSync(join(layout.work, 'a.txt'), 'a\n');
    expect((await patch(update('a.txt'), { maxFileBytes: 1 })).output).toMatch(
      /over apply_patch's limit of 1 bytes/,
    );
    expect((await patch(update('a.txt'), { maxFileBytes: 2 })).success).toBe(true);
    expect(await fs.readFile(join(layout.work, 'a.txt'), 'utf8')).toBe('b\n');
  });
});
