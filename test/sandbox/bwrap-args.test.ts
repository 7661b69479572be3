import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CHECK_FAILED_EXIT, NOT_FOUND_EXIT, sandboxCheckScript } from '../../src/sandbox/check-script.js';
import { buildBwrapArgs } from '../../src/sandbox/linux/bwrap-args.js';

const base = {
  mounts: { writableRoots: [] as string[], readOnlyPaths: [] as string[], blockedPaths: [] as string[] },
  networkAccess: false,
  cwd: '/work/repo',
  seccompFd: 3,
  statusFd: 4,
  command: ['git', 'status'],
};

/** /dev read-only with a capped /dev/shm; /proc with its kernel interfaces read-only. */
const DEV_PROC = [
  ['--dev', '/dev'],
  ['--size', String(128 * 1024 * 1024)],
  ['--tmpfs', '/dev/shm'],
  ['--remount-ro', '/dev'],
  ['--proc', '/proc'],
  ...['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus', '/proc/fs'].map((p) => [
    '--ro-bind-try',
    p,
    p,
  ]),
];

/** The mount operations, in order, as [option, ...operands]. */
function mountOps(args: string[]): string[][] {
  const ops: string[][] = [];
  const arity: Record<string, number> = {
    '--ro-bind': 2,
    '--ro-bind-try': 2,
    '--bind': 2,
    '--size': 1,
    '--tmpfs': 1,
    '--remount-ro': 1,
    '--dev': 1,
    '--proc': 1,
  };
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    const n = arity[args[i] as string];
    if (n !== undefined) {
      ops.push(args.slice(i, i + 1 + n));
      i += n;
    }
  }
  return ops;
}

describe('buildBwrapArgs', () => {
  it('isolates with a user namespace, no capabilities, pid namespace and dies with Spool', () => {
    const args = buildBwrapArgs(base);
    for (const flag of [
      '--unshare-user',
      '--unshare-pid',
      '--die-with-parent',
      '--new-session',
      '--unshare-net',
    ])
      expect(args).toContain(flag);
    expect(args.slice(args.indexOf('--cap-drop'), args.indexOf('--cap-drop') + 2)).toEqual([
      '--cap-drop',
      'ALL',
    ]);
    expect(args.slice(args.indexOf('--seccomp'), args.indexOf('--seccomp') + 2)).toEqual(['--seccomp', '3']);
    expect(args.slice(args.indexOf('--chdir'), args.indexOf('--chdir') + 2)).toEqual([
      '--chdir',
      '/work/repo',
    ]);
    expect(args).not.toContain('--clearenv');
  });

  it('keeps the network namespace only when the network is on', () => {
    expect(buildBwrapArgs({ ...base, networkAccess: true })).not.toContain('--unshare-net');
  });

  it('read-only: the whole tree read-only, fresh /dev and /proc, nothing writable', () => {
    expect(mountOps(buildBwrapArgs(base))).toEqual([['--ro-bind', '/', '/'], ...DEV_PROC]);
  });

  it('the Spool home is masked by an empty read-only tmpfs; a root inside it stays visible read-only', () => {
    const args = buildBwrapArgs({
      ...base,
      mounts: {
        writableRoots: ['/home/u/.spool/ws', '/work'],
        readOnlyPaths: [],
        blockedPaths: [],
        maskedPaths: ['/home/u/.spool'],
      },
    });
    expect(mountOps(args).slice(1 + DEV_PROC.length)).toEqual([
      ['--bind', '/work', '/work'],
      ['--bind', '/home/u/.spool/ws', '/home/u/.spool/ws'],
      ['--size', '65536'],
      ['--tmpfs', '/home/u/.spool'],
      ['--ro-bind', '/home/u/.spool/ws', '/home/u/.spool/ws'],
      ['--remount-ro', '/home/u/.spool'],
    ]);
  });

  it('workspace-write: roots outermost first, then protected paths read-only, then missing names blocked', () => {
    const args = buildBwrapArgs({
      ...base,
      mounts: {
        writableRoots: ['/work/repo', '/tmp', '/work'],
        readOnlyPaths: ['/work/repo/.git', '/tmp/spool-home', '/work/repo/.git'],
        blockedPaths: ['/work/repo/.spool', '/tmp/.git'],
      },
    });
    expect(mountOps(args)).toEqual([
      ['--ro-bind', '/', '/'],
      ...DEV_PROC,
      ['--bind', '/tmp', '/tmp'],
      ['--bind', '/work', '/work'],
      ['--bind', '/work/repo', '/work/repo'],
      ['--ro-bind', '/tmp/spool-home', '/tmp/spool-home'],
      ['--ro-bind', '/work/repo/.git', '/work/repo/.git'],
      ['--size', '65536'],
      ['--tmpfs', '/tmp/.git'],
      ['--remount-ro', '/tmp/.git'],
      ['--size', '65536'],
      ['--tmpfs', '/work/repo/.spool'],
      ['--remount-ro', '/work/repo/.spool'],
    ]);
  });

  it('orders mounts of equal depth by code units, not by the locale (no ICU collation)', () => {
    const roots = ['/work/f', '/work/é', '/work/b', '/work/B', '/work/_x', '/work'];
    const args = buildBwrapArgs({
      ...base,
      mounts: { writableRoots: roots, readOnlyPaths: [], blockedPaths: [] },
    });
    expect(mountOps(args).slice(1 + DEV_PROC.length)).toEqual(
      ['/work', '/work/B', '/work/_x', '/work/b', '/work/f', '/work/é'].map((p) => ['--bind', p, p]),
    );
  });

  it('ends with the in-sandbox check and then the command, verbatim', () => {
    const command = ['sh', '-c', 'echo "$HOME" > x; rm -rf -- *', '--', '-n'];
    const args = buildBwrapArgs({ ...base, command });
    const dash = args.indexOf('--');
    expect(args.slice(dash + 1, dash + 3)).toEqual(['/bin/sh', '-c']);
    expect(args[dash + 3]).toBe(sandboxCheckScript({ statusFd: 4, verifyLinux: true }));
    expect(args.slice(dash + 4)).toEqual(['spool-sandbox', ...command]);
  });
});

describe('sandboxCheckScript (run by a real sh)', () => {
  function run(script: string, command: string[]) {
    // The status descriptor is fd 4 here too.
    return spawnSync('/bin/sh', ['-c', `${script}`, 'spool-sandbox', ...command], {
      stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
  }

  it('refuses to start the command when capabilities are held (root outside a sandbox)', () => {
    const result = run(sandboxCheckScript({ statusFd: 4, verifyLinux: true }), [
      'touch',
      '/nonexistent/never',
    ]);
    const status = result.output[4] as string;
    if (process.getuid?.() === 0) {
      expect(result.status).toBe(CHECK_FAILED_EXIT);
      expect(status).toMatch(/^caps Cap(Prm|Eff|Bnd|Inh|Amb): [0-9a-f]*[1-9a-f]/);
    } else {
      // Unprivileged: the bounding set is still full outside a sandbox.
      expect(result.status).toBe(CHECK_FAILED_EXIT);
      expect(status).toMatch(/^caps CapBnd: /);
    }
    expect(status).not.toContain('ready');
  });

  it('without the Linux checks, reports ready and execs the command with the status fd closed', () => {
    const result = run(sandboxCheckScript({ statusFd: 4, verifyLinux: false }), [
      'sh',
      '-c',
      'echo "$0 $1"; [ -e /proc/self/fd/4 ] && echo fd4-open || echo fd4-closed',
      'a',
      'b c',
    ]);
    expect(result.status).toBe(0);
    expect(result.output[4]).toBe('ready\n');
    expect(result.stdout).toBe('a b c\nfd4-closed\n');
  });

  it('reports a program that does not exist', () => {
    const result = run(sandboxCheckScript({ statusFd: 4, verifyLinux: false }), ['no-such-program-xyz']);
    expect(result.status).toBe(NOT_FOUND_EXIT);
    expect(result.output[4]).toBe('notfound\n');
  });
});
