/**
 * The sandbox's own bookkeeping (the registry of mount points in use) lives outside every writable
 * root: apply_patch cannot delete it, so a running sandbox keeps the mount that blocks `.git`, and
 * no hook can be planted there for Spool's host-side git to run. Real bubblewrap, as root.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mountPointRegistry } from '../../src/sandbox/linux/mount-points.js';
import { buildWritePolicy, isWithin } from '../../src/sandbox/write-policy.js';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-books-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

describe('the mount-point registry', () => {
  it('cannot be deleted by apply_patch, so a running sandbox keeps .git blocked', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const tools = createShellTools(sessions, { yields: { minEmptyPoll: 300 } });
    const hook = join(layout.work, '.git', 'hooks', 'post-checkout');
    // A background command that waits, then tries to plant a hook in the (blocked) .git.
    const started = text(
      await call(
        tools.execCommand,
        {
          cmd: 'sleep 4; mkdir -p .git/hooks; printf "#!/bin/sh\\nid\\n" > .git/hooks/post-checkout; echo tried',
          login: false,
          yield_time_ms: 500,
        },
        ctx,
      ),
    );
    const id = Number(/session ID (\d+)/.exec(started)?.[1]);
    expect(id).toBeGreaterThan(0);

    const policy = await buildWritePolicy(ctx.sandbox, {
      cwd: layout.work,
      spoolHome: layout.home,
      env: ctx.env,
    });
    const registry = await mountPointRegistry(policy.spoolHome, policy.writableRoots);
    expect(policy.writableRoots.some((root) => isWithin(registry, root))).toBe(false);
    // This process's markers (the registry is shared by every Spool of this user).
    const markers = files(registry).filter((f) => basename(f).startsWith(`${process.pid}-`));
    expect(markers.length).toBeGreaterThan(0);
    for (const marker of markers) {
      const result = await runApplyPatch(`*** Begin Patch\n*** Delete File: ${marker}\n*** End Patch`, ctx);
      expect(result.success, marker).toBe(false);
    }
    for (const marker of markers) expect(existsSync(marker), marker).toBe(true);

    // Another sandboxed command comes and goes (it uses and releases the same mount point).
    await call(tools.shell, { command: ['true'] }, ctx);

    // What the command printed may come with the exit or in an earlier poll: keep every poll's output.
    let polled = '';
    for (let i = 0; i < 20 && !polled.includes('Process exited'); i++)
      polled += text(await call(tools.writeStdin, { session_id: id, yield_time_ms: 1000 }, ctx));
    expect(polled).toContain('tried');
    expect(existsSync(hook)).toBe(false);
    expect(existsSync(join(layout.work, '.git'))).toBe(false);
  }, 60_000);
});
