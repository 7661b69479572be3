/**
 * Kernel interfaces and private mounts inside the real sandbox, as root: `/proc/sys` and its kin
 * are read-only in every mode (a sysctl written from inside would change the host), `/dev` cannot
 * grow, `/dev/shm` has a size cap.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxMode } from '../../src/protocol/policy.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-kernel-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

async function sh(script: string, mode: SandboxMode, networkAccess = false): Promise<string> {
  const { ctx } = makeContext(layout.work, { spoolHome: layout.home, mode, sandbox: { networkAccess } });
  return text(
    await call(
      createShellTools(sessions).shell,
      { command: ['bash', '-c', script], timeout_ms: 20_000 },
      ctx,
    ),
  );
}

// A harmless global sysctl: the host's value must not change (restored if a test ever changes it).
const SYSCTL = '/proc/sys/fs/lease-break-time';

describe('kernel interfaces are read-only inside the sandbox', () => {
  const original = readFileSync(SYSCTL, 'utf8');
  afterEach(() => {
    if (readFileSync(SYSCTL, 'utf8') !== original) writeFileSync(SYSCTL, original);
  });

  for (const [mode, network] of [
    ['read-only', false],
    ['workspace-write', false],
    ['workspace-write', true],
  ] as const) {
    it(`${mode}${network ? ' with the network on' : ''}: sysctl writes fail, the host value is unchanged`, async () => {
      const next = String(Number(original.trim()) + 7);
      const output = await sh(
        [
          `echo ${next} > ${SYSCTL}`,
          `sysctl -w fs.lease-break-time=${next}`,
          `printf ${next} | tee ${SYSCTL}`,
          'echo 1 > /proc/sys/kernel/ns_last_pid',
          'echo x > /proc/sys/vm/drop_caches',
          `cat ${SYSCTL}`,
        ].join('; '),
        mode,
        network,
      );
      expect(output).toMatch(/Read-only file system|Permission denied/);
      expect(readFileSync(SYSCTL, 'utf8')).toBe(original);
      expect(output).not.toContain(`\n${next}\n`);
    });
  }

  it('/sys stays read-only too', async () => {
    const output = await sh(
      'for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/fs/cgroup/cgroup.procs /sys/kernel/uevent_helper; do echo x > $f; done; echo done',
      'workspace-write',
    );
    expect(output).toMatch(/Read-only file system|Permission denied/);
    expect(output).not.toMatch(/^x$/m);
  });
});

describe('private mounts are bounded', () => {
  it('/dev cannot be filled; /dev/shm stops at its cap', async () => {
    const output = await sh(
      [
        'touch /dev/planted && echo planted-ok',
        'head -c 8M /dev/zero > /dev/big',
        'head -c 400M /dev/zero > /dev/shm/big',
        'echo shm=$(du -sm /dev/shm | cut -f1)',
        'echo ok > /dev/null && echo null-ok',
      ].join('; '),
      'workspace-write',
    );
    expect(output).not.toContain('planted-ok');
    expect(output).toContain('No space left on device');
    const shm = Number(/shm=(\d+)/.exec(output)?.[1]);
    expect(shm).toBeGreaterThan(0);
    expect(shm).toBeLessThanOrEqual(128);
    expect(output).toContain('null-ok');
  });
});

describe('no setuid or setgid bit can be set from the sandbox', () => {
  it('chmod, install, open/mknod/mkdir with a mode, cp -a of a setuid binary: nothing on disk is setuid', async () => {
    const output = await sh(
      [
        'cp /bin/true a; chmod u+s a; chmod 4755 a; chmod g+s a',
        'install -m 4755 /bin/true b',
        'cp -a /usr/bin/passwd c 2>&1 || cp -a /usr/bin/su c',
        `perl -e 'use Fcntl; sysopen(my $f, "d", O_CREAT|O_WRONLY, 04755) or print "open: $!\\n"; mkdir("e", 02755) or print "mkdir: $!\\n"; chmod(06755, "a") or print "chmod: $!\\n"'`,
        'mknod -m 4755 f p',
        'mkdir -m 2755 g',
        'python3 -c "import os; fd = os.open(\'h\', os.O_CREAT | os.O_WRONLY, 0o755); os.fchmod(fd, 0o4755)"',
        'ls -la',
      ].join('; '),
      'workspace-write',
    );
    expect(output).toMatch(/Operation not permitted/);
    const entries = readdirSync(layout.work);
    expect(entries.length).toBeGreaterThan(3);
    for (const name of entries) {
      const mode = statSync(join(layout.work, name)).mode;
      expect((mode & 0o6000).toString(8), name).toBe('0');
    }
  });
});
