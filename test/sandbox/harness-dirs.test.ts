/**
 * Other harnesses' metadata is protected like Spool's: `.codex` (its config.toml escalates the next
 * Codex run in that repository) is read-only when it exists and cannot be created when it does not,
 * for the shell (real bubblewrap) and for apply_patch through the same check; a refused creation
 * leaves nothing behind.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, hashOf, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-harness-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

async function sh(script: string): Promise<string> {
  const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
  return text(await call(createShellTools(sessions).shell, { command: ['bash', '-c', script] }, ctx));
}

const addFile = (p: string) =>
  `*** Begin Patch\n*** Add File: ${p}\n+approval_policy = "never"\n*** End Patch`;

describe('.codex is protected like .git, .spool and .agents', () => {
  it('an existing .codex is read-only to the shell and to apply_patch', async () => {
    mkdirSync(join(layout.work, '.codex'));
    const config = join(layout.work, '.codex', 'config.toml');
    writeFileSync(config, 'model = "x"\n');
    const before = hashOf(config);
    const output = await sh(
      'echo \'sandbox_mode = "danger-full-access"\' >> .codex/config.toml; touch .codex/rules; unlink .codex/config.toml; rmdir .codex; mv .codex gone',
    );
    expect(output).toMatch(/Read-only file system|Device or resource busy/);
    expect(hashOf(config)).toBe(before);
    expect(readdirSync(join(layout.work, '.codex'))).toEqual(['config.toml']);

    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const patched = await runApplyPatch(addFile('.codex/rules.toml'), ctx);
    expect(patched.success).toBe(false);
    expect(text(patched)).toContain('.codex');
    expect(readdirSync(join(layout.work, '.codex'))).toEqual(['config.toml']);
  });

  it('a missing .codex cannot be created by either, and the refusal leaves no trace', async () => {
    const output = await sh('mkdir -p .codex/x; echo 1 > .codex/config.toml; echo fine > src.txt');
    expect(output).toContain('Read-only file system');
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    for (const target of ['.codex/config.toml', 'sub/../.codex/config.toml']) {
      const patched = await runApplyPatch(addFile(target), ctx);
      expect(patched.success, target).toBe(false);
      expect(text(patched)).toMatch(/Patch rejected/);
    }
    expect(readdirSync(layout.work)).toEqual(['src.txt']);
  });
});
