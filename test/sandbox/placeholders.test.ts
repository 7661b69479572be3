/**
 * Spool leaves nothing in the user's tree: the empty mount points a sandbox needs for protected
 * names that do not exist (`.spool`, `.agents`, `.codex`, `.git` in a temporary directory) are gone
 * after a normal run, and after `kill -9` the next start removes them; an empty `.git` left behind
 * never makes a directory look like a repository (git root, AGENTS.md). The real binary; $TMPDIR
 * stands in for /tmp (same rule: a writable root that is not a repository).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findGitRoot } from '../../src/context/project-docs.js';
import { spoolExecIn } from './bin-run.js';
import { hostProcessesWith, type Layout, makeLayout } from './helpers.js';

let layout: Layout;
let tmp: string;
beforeEach(() => {
  layout = makeLayout('spool-leftovers-');
  tmp = join(layout.base, 'tmpdir');
  mkdirSync(tmp);
});
afterEach(() => layout.cleanup());

const PLACEHOLDERS = ['.agents', '.codex', '.git', '.spool'];

function envFor(): NodeJS.ProcessEnv {
  return { TMPDIR: tmp };
}
const NO_SLASH_TMP = ['-c', 'sandbox_workspace_write.exclude_slash_tmp=true'];

describe('no sandbox placeholders are left behind (the real binary)', () => {
  it('after a normal run: the workspace and the temporary directory hold only what the command made', async () => {
    const { run } = await spoolExecIn(layout, ['echo made > made.txt; ls -a; ls -a "$TMPDIR"'], {
      env: envFor(),
      args: NO_SLASH_TMP,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(layout.work)).toEqual(['made.txt']);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it('after kill -9 mid-command, the next start removes them', async () => {
    const marker = `${200 + (process.pid % 1000) / 1000}`;
    let child: ChildProcess | undefined;
    const killed = spoolExecIn(layout, [`sleep ${marker}`], {
      env: envFor(),
      args: NO_SLASH_TMP,
      onSpawn: (c) => {
        child = c;
      },
    });
    const deadline = Date.now() + 60_000;
    // Until the command runs inside its sandbox (the sandbox's setup is done).
    const sleeping = () =>
      hostProcessesWith(`sleep ${marker}`).some(
        (pid) => readFileSync(`/proc/${pid}/comm`, { encoding: 'utf8', flag: 'r' }) === 'sleep\n',
      );
    while (
      !PLACEHOLDERS.every((name) => existsSync(join(layout.work, name))) ||
      !existsSync(join(tmp, '.git')) ||
      !sleeping()
    ) {
      if (Date.now() > deadline) throw new Error('the sandbox never came up');
      await new Promise((r) => setTimeout(r, 50));
    }
    child?.kill('SIGKILL');
    await killed;
    // The sandbox died with Spool; what it needed on the host is still there …
    const waitGone = Date.now() + 10_000;
    while (hostProcessesWith(`sleep ${marker}`).length > 0 && Date.now() < waitGone)
      await new Promise((r) => setTimeout(r, 50));
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
    expect(readdirSync(layout.work).sort()).toEqual(PLACEHOLDERS.slice().sort());
    // … and fools nothing meanwhile: an empty .git is no repository.
    expect(findGitRoot(tmp)).toBeUndefined();

    // The next start (no command at all) cleans up.
    const { run } = await spoolExecIn(layout, [], { env: envFor(), args: NO_SLASH_TMP });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(layout.work)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 180_000);

  it('an empty .git (a placeholder some process left) is not a git root: no AGENTS.md from above the cwd', async () => {
    mkdirSync(join(tmp, '.git'));
    writeFileSync(join(tmp, 'AGENTS.md'), 'canary-parent-instructions\n');
    const sub = join(tmp, 'project');
    mkdirSync(sub);
    writeFileSync(join(sub, 'AGENTS.md'), 'own-instructions\n');
    expect(findGitRoot(sub)).toBeUndefined();
    // A real repository still is one.
    mkdirSync(join(layout.work, '.git'));
    writeFileSync(join(layout.work, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(join(layout.work, 'deep'));
    expect(findGitRoot(join(layout.work, 'deep'))).toBe(layout.work);

    const { run, requestText } = await spoolExecIn({ ...layout, work: sub }, [], {
      env: envFor(),
      args: NO_SLASH_TMP,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(requestText).toContain('own-instructions');
    expect(requestText).not.toContain('canary-parent-instructions');
  }, 120_000);
});
