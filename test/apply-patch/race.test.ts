/**
 * apply_patch against a sandboxed process that swaps a directory for a symlink while patches run:
 * a write must land where the write policy looked, or fail and change nothing, never follow the
 * new symlink out of the writable roots. The swap is made once deterministically (between the plan
 * and the first write) and once for real, by a background command inside bubblewrap.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, type Layout, makeContext, makeLayout, text } from '../sandbox/helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-race-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

const isDirectory = (p: string) => existsSync(p) && lstatSync(p).isDirectory();

/** Files named like the patches' (f<N>.txt) below `dir`, symlinks not followed. */
function patchFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return patchFilesUnder(join(dir, entry.name));
    return entry.isFile() && /^f\d+\.txt$/.test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

describe('a directory swapped for a symlink while a patch runs', () => {
  it('between the check and the first write: nothing lands outside; the checked directory gets it', async () => {
    mkdirSync(join(layout.work, 'd'));
    writeFileSync(join(layout.work, 'd', 'kept.txt'), 'kept\n');
    writeFileSync(join(layout.outside, 'kept.txt'), 'outside\n');
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const patch = [
      '*** Begin Patch',
      '*** Add File: d/new.txt',
      '+planted',
      '*** Add File: d/sub/deep.txt',
      '+planted',
      '*** Update File: d/kept.txt',
      '@@',
      '-kept',
      '+changed',
      '*** End Patch',
    ].join('\n');
    const result = await runApplyPatch(patch, ctx, {
      hooks: {
        beforeWrite: () => {
          renameSync(join(layout.work, 'd'), join(layout.work, 'd.real'));
          symlinkSync(layout.outside, join(layout.work, 'd'));
        },
      },
    });
    expect(readdirSync(layout.outside).sort()).toEqual(['kept.txt']);
    expect(readFileSync(join(layout.outside, 'kept.txt'), 'utf8')).toBe('outside\n');
    // The directory that was checked was opened then; it is the one written, wherever it moved.
    expect(text(result)).toMatch(/^Success/);
    expect(readdirSync(join(layout.work, 'd.real')).sort()).toEqual(['kept.txt', 'new.txt', 'sub']);
    expect(readFileSync(join(layout.work, 'd.real', 'kept.txt'), 'utf8')).toBe('changed\n');
    expect(readFileSync(join(layout.work, 'd.real', 'sub', 'deep.txt'), 'utf8')).toBe('planted\n');
  });

  it('by a background command in the sandbox, over many patches: none lands outside', async () => {
    mkdirSync(join(layout.work, 'd'));
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const tools = createShellTools(sessions);
    const swapper = [
      'trap "exit 0" TERM',
      `while [ ! -e stop ]; do mv d d.real; ln -s ${layout.outside} d; rm d; mv d.real d; done`,
    ].join('; ');
    const started = text(
      await call(tools.execCommand, { cmd: swapper, login: false, yield_time_ms: 300 }, ctx),
    );
    expect(started).toMatch(/session ID \d+/);
    const results: boolean[] = [];
    for (let i = 0; i < 60; i++) {
      const files = [0, 1, 2, 3].map((j) => `*** Add File: d/f${i * 4 + j}.txt\n+patch ${i}`);
      const result = await runApplyPatch(`*** Begin Patch\n${files.join('\n')}\n*** End Patch`, ctx);
      results.push(result.success);
    }
    writeFileSync(join(layout.work, 'stop'), '');
    // The swapper ends with the directory back in place.
    for (
      let i = 0;
      i < 100 && (existsSync(join(layout.work, 'd.real')) || !isDirectory(join(layout.work, 'd')));
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(layout.outside)).toEqual([]);
    // What applied is inside the workspace (wherever the swapper left the directory).
    // Every patch that applied wrote inside the workspace (where the swapper's moves left it: a
    // patch that found `d` missing created it, and the swapper then moved the old one into it).
    expect(patchFilesUnder(layout.work).length).toBe(4 * results.filter(Boolean).length);
  });
});
