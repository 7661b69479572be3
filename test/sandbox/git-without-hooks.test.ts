/**
 * A repository whose `.git` has no `hooks/` (created without templates, or by a tool that skips
 * them) still gets a working `workspace-write` sandbox (real bubblewrap): commands run, and the
 * hooks directory can be neither created nor written, like the rest of `.git`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSandboxLayout } from '../../src/sandbox/layout.js';
import { buildWritePolicy } from '../../src/sandbox/write-policy.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-nohooks-');
  sessions = new ExecSessionManager();
  execFileSync('git', ['init', '-q', layout.work]);
  rmSync(join(layout.work, '.git', 'hooks'), { recursive: true, force: true });
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

describe('a .git without hooks/', () => {
  it('is no reason to refuse commands, and hooks/ still cannot be planted', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const output = text(
      await call(
        createShellTools(sessions).shell,
        {
          command: [
            'bash',
            '-c',
            'echo made > made.txt; cat made.txt; mkdir -p .git/hooks && echo "#!/bin/sh" > .git/hooks/pre-commit; echo done',
          ],
        },
        ctx,
      ),
    );
    expect(output).toContain('made\n');
    expect(output).toContain('done');
    expect(output).toContain('Read-only file system');
    expect(existsSync(join(layout.work, 'made.txt'))).toBe(true);
    expect(existsSync(join(layout.work, '.git', 'hooks'))).toBe(false);
  });

  it('the layout keeps .git read-only and mounts nothing inside it', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const policy = await buildWritePolicy(ctx.sandbox, {
      cwd: layout.work,
      spoolHome: layout.home,
      env: ctx.env,
    });
    const mounts = await readSandboxLayout(policy);
    const dotGit = join(layout.work, '.git');
    expect(mounts.readOnlyPaths).toContain(dotGit);
    expect(mounts.blockedPaths.filter((p) => p.startsWith(`${dotGit}/`))).toEqual([]);
  });
});
