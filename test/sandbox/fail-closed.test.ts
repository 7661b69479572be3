/**
 * Failing closed: when the sandbox cannot be set up, or does not hold once started, the command
 * does not run (its side effect never happens) and the model and the user are told what is
 * missing, how to fix it, and how to opt out knowingly.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxLaunchOptions } from '../../src/sandbox/launch-request.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-closed-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

function fakeBwrap(name: string, body: string): string {
  const file = join(layout.base, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

async function attempt(sandbox: SandboxLaunchOptions, tool: 'shell' | 'execCommand' = 'shell') {
  const marker = join(layout.work, 'marker');
  const tools = createShellTools(sessions, { sandbox });
  const { ctx, sink } = makeContext(layout.work, {
    spoolHome: layout.home,
    policy: 'on-failure',
    answer: () => 'approved',
  });
  const result =
    tool === 'shell'
      ? await call(tools.shell, { command: ['touch', marker] }, ctx)
      : await call(tools.execCommand, { cmd: `touch ${marker}`, yield_time_ms: 2000 }, ctx);
  await new Promise((r) => setTimeout(r, 50));
  return { output: text(result), success: result.success, ran: existsSync(marker), sink };
}

const OPT_OUT = /--sandbox danger-full-access/;

describe('the sandbox cannot be set up', () => {
  it('bubblewrap missing: says how to install it; nothing runs (and on-failure does not offer to run it outside)', async () => {
    const { output, success, ran, sink } = await attempt({ bwrapPath: join(layout.base, 'no-bwrap') });
    expect(ran).toBe(false);
    expect(success).toBe(false);
    expect(output).toMatch(/^Command not run: touch /);
    expect(output).toContain('bubblewrap (`bwrap`) is not installed');
    expect(output).toContain('apt-get install bubblewrap');
    expect(output).toMatch(OPT_OUT);
    // The user sees the same text on the refused command.
    expect(sink.completedItems()).toEqual([
      expect.objectContaining({ type: 'command_execution', status: 'declined', aggregated_output: output }),
    ]);
  });

  it('user namespaces disabled: bwrap fails before the command, the message says what to enable', async () => {
    const bwrap = fakeBwrap(
      'bwrap-no-userns',
      'echo "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces. On e.g. debian this can be enabled with \'sysctl kernel.unprivileged_userns_clone=1\'." >&2; exit 1',
    );
    for (const tool of ['shell', 'execCommand'] as const) {
      const { output, ran } = await attempt({ bwrapPath: bwrap }, tool);
      expect(ran).toBe(false);
      expect(output).toContain('unprivileged user namespaces are not available');
      expect(output).toContain('kernel.unprivileged_userns_clone');
      expect(output).toContain('The platform said: bwrap: No permissions');
      expect(output).toMatch(OPT_OUT);
    }
  });

  it('a launcher that leaves capabilities in place: the in-sandbox check refuses to start the command', async () => {
    // Skips every option and runs the rest as is: no namespaces, no capability drop, no seccomp.
    const bwrap = fakeBwrap('bwrap-leaky', 'while [ "$1" != "--" ]; do shift; done; shift; exec "$@"');
    const { output, ran } = await attempt({ bwrapPath: bwrap });
    expect(ran).toBe(false);
    expect(output).toContain('still held Linux capabilities');
    expect(output).toMatch(/The platform said: caps Cap(Inh|Prm|Eff|Bnd|Amb): /);
  });

  it('no sandbox for the platform or architecture', async () => {
    const windows = await attempt({ platform: 'win32' });
    expect(windows.ran).toBe(false);
    expect(windows.output).toContain('no sandbox for this platform (win32)');
    const arch = await attempt({ arch: 'ia32' });
    expect(arch.ran).toBe(false);
    expect(arch.output).toContain('does not know this CPU architecture (ia32)');
    if (!existsSync('/usr/bin/sandbox-exec')) {
      const mac = await attempt({ platform: 'darwin' });
      expect(mac.ran).toBe(false);
      expect(mac.output).toContain('/usr/bin/sandbox-exec');
    }
  });
});
