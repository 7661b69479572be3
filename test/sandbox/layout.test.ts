import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSandboxPolicy } from '../../src/protocol/policy.js';
import { readSandboxLayout } from '../../src/sandbox/layout.js';
import { pidsHierarchies } from '../../src/sandbox/linux/cgroup.js';
import { leaseMountPoints } from '../../src/sandbox/linux/mount-points.js';
import { buildWritePolicy } from '../../src/sandbox/write-policy.js';
import { type Layout, makeLayout } from './helpers.js';

let layout: Layout;
beforeEach(() => {
  layout = makeLayout('spool-layout-');
});
afterEach(() => layout.cleanup());

async function layoutFor(
  cwd: string,
  spoolHome: string,
  extra: Partial<ReturnType<typeof defaultSandboxPolicy>> = {},
) {
  const policy = await buildWritePolicy(
    { ...defaultSandboxPolicy('workspace-write'), excludeSlashTmp: true, ...extra },
    { cwd, spoolHome, env: {} },
  );
  return readSandboxLayout(policy);
}

describe('readSandboxLayout', () => {
  it('existing protected paths are re-bound read-only, missing ones blocked', async () => {
    mkdirSync(join(layout.work, '.git'));
    writeFileSync(join(layout.work, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(layout.work, '.agents'), 'a file\n');
    // An empty directory may be another sandbox's mount point: blocked like a missing name.
    mkdirSync(join(layout.work, '.codex'));
    const result = await layoutFor(layout.work, layout.home);
    const work = realpathSync(layout.work);
    expect(result.writableRoots).toEqual([work]);
    expect(result.readOnlyPaths).toEqual([join(work, '.agents'), join(work, '.git')]);
    expect(result.blockedPaths).toEqual(expect.arrayContaining([join(work, '.codex'), join(work, '.spool')]));
    expect(result.blockedPaths).not.toContain(join(work, '.agents'));
    expect(result.blockedPaths).not.toContain(join(work, '.git'));
    expect(result.excludedByRoot).toEqual([
      {
        root: work,
        excluded: [
          join(work, '.agents'),
          join(work, '.codex'),
          join(work, '.git'),
          join(work, '.spool'),
          join(work, '.git', 'hooks'),
        ],
      },
    ]);
  });

  it('a Spool home inside a root is created if missing and masked', async () => {
    const home = join(layout.work, 'nested', 'home');
    const result = await layoutFor(layout.work, home);
    expect(statSync(home).isDirectory()).toBe(true);
    expect(result.maskedPaths).toEqual([realpathSync(home)]);
    expect(result.excludedByRoot[0]?.excluded).toContain(realpathSync(home));
  });

  it('a root inside the Spool home is covered by it', async () => {
    const root = join(layout.home, 'workspace');
    mkdirSync(root);
    const result = await layoutFor(layout.work, layout.home, { writableRoots: [root] });
    expect(result.writableRoots).toContain(realpathSync(root));
    expect(result.maskedPaths).toEqual([realpathSync(layout.home)]);
    expect(result.excludedByRoot.map((r) => r.root)).not.toContain(realpathSync(root));
  });

  it('a symlinked .git is protected at its target; missing roots are left out', async () => {
    const real = join(layout.work, 'gitdir-real');
    mkdirSync(real);
    writeFileSync(join(real, 'HEAD'), 'ref: refs/heads/main\n');
    symlinkSync(real, join(layout.work, '.git'));
    const result = await layoutFor(layout.work, layout.home, { writableRoots: [join(layout.base, 'nope')] });
    expect(result.readOnlyPaths).toContain(realpathSync(real));
    expect(result.readOnlyPaths).not.toContain(join(realpathSync(layout.work), '.git'));
    expect(result.writableRoots).toEqual([realpathSync(layout.work)]);
  });
});

describe('mount points for missing names', () => {
  it('removed by the last sandbox that uses them, not before', async () => {
    const state = join(layout.home, 'sandbox', 'mount-points');
    const point = join(layout.work, '.spool');
    const first = await leaseMountPoints(state, [point]);
    const second = await leaseMountPoints(state, [point]);
    mkdirSync(point); // what bwrap does
    await first.release();
    expect(existsSync(point)).toBe(true);
    await second.release();
    expect(existsSync(point)).toBe(false);
    expect(readdirSync(state)).toEqual([]);
  });

  it('a mount point that is no longer empty is kept', async () => {
    const state = join(layout.home, 'state');
    const point = join(layout.work, '.agents');
    const lease = await leaseMountPoints(state, [point]);
    mkdirSync(point);
    writeFileSync(join(point, 'made-on-the-host'), '');
    await lease.release();
    expect(existsSync(join(point, 'made-on-the-host'))).toBe(true);
  });

  it("an empty directory that was there before is leased but never removed (it is the user's)", async () => {
    const state = join(layout.home, 'state');
    const point = join(layout.work, '.agents');
    mkdirSync(point);
    const lease = await leaseMountPoints(state, [point]);
    await lease.release();
    expect(existsSync(point)).toBe(true);
  });

  it('a lease of a process that died (kill -9) is swept by the next start', async () => {
    const { sweepStaleMountPoints } = await import('../../src/sandbox/linux/mount-points.js');
    const state = join(layout.home, 'state');
    const point = join(layout.work, '.codex');
    const live = join(layout.work, '.agents');
    await leaseMountPoints(state, [point, live]);
    mkdirSync(point);
    mkdirSync(live);
    // Rewrite the markers as a dead process's (pid 2^22 + 1 is above pid_max's ceiling).
    for (const dir of readdirSync(state).filter((d) => d !== 'lock')) {
      for (const name of readdirSync(join(state, dir)).filter((n) => n !== '.created')) {
        const file = join(state, dir, name);
        const marker = JSON.parse(readFileSync(file, 'utf8'));
        if (marker.mountPoint === point) writeFileSync(file, JSON.stringify({ ...marker, pid: 4194305 }));
      }
    }
    await sweepStaleMountPoints(state);
    expect(existsSync(point)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('a lock left empty by a holder killed while taking it does not hold up the next start', async () => {
    const { sweepStaleMountPoints } = await import('../../src/sandbox/linux/mount-points.js');
    const state = join(layout.home, 'state');
    const point = join(layout.work, '.codex');
    await leaseMountPoints(state, [point]);
    mkdirSync(point);
    for (const dir of readdirSync(state).filter((d) => d !== 'lock')) {
      for (const name of readdirSync(join(state, dir)).filter((n) => n !== '.created')) {
        const file = join(state, dir, name);
        writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), pid: 4194305 }));
      }
    }
    // Created (O_EXCL) but never given a pid, two seconds ago.
    const lock = join(state, 'lock');
    writeFileSync(lock, '');
    // And the pid file of a holder killed while taking the lock the way Spool now does.
    const pidFile = join(state, 'lock.4194305.0badc0de');
    writeFileSync(pidFile, '4194305');
    const past = new Date(Date.now() - 2_000);
    utimesSync(lock, past, past);
    const started = Date.now();
    await sweepStaleMountPoints(state);
    // Swept (not given up after the lock wait), at once.
    expect(existsSync(point)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('many concurrent leases: all released, nothing left', async () => {
    const state = join(layout.home, 'state');
    const point = join(layout.work, '.git');
    const leases = await Promise.all(Array.from({ length: 20 }, () => leaseMountPoints(state, [point])));
    mkdirSync(point);
    await Promise.all(leases.slice(0, 19).map((l) => l.release()));
    expect(existsSync(point)).toBe(true);
    await leases[19]?.release();
    expect(existsSync(point)).toBe(false);
  });
});

describe('pidsHierarchies', () => {
  const mountinfo = [
    '30 25 0:26 / /sys/fs/cgroup/pids rw,relatime shared:12 - cgroup cgroup rw,pids',
    '31 25 0:27 / /sys/fs/cgroup/unified rw,relatime shared:13 - cgroup2 cgroup2 rw',
    '32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  ].join('\n');

  it('prefers the v1 pids hierarchy at the process cgroup, then v2', () => {
    expect(
      pidsHierarchies('8:pids:/user.slice\n4:memory:/x\n0::/user.slice/session-1.scope\n', mountinfo),
    ).toEqual([
      { version: 1, ownDir: '/sys/fs/cgroup/pids/user.slice' },
      { version: 2, ownDir: '/sys/fs/cgroup/unified/user.slice/session-1.scope' },
    ]);
  });

  it('pure v2', () => {
    const v2 = '40 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate';
    expect(pidsHierarchies('0::/\n', v2)).toEqual([{ version: 2, ownDir: '/sys/fs/cgroup' }]);
    expect(pidsHierarchies('0::/\n', '')).toEqual([]);
  });
});

describe('mountPointRegistry', () => {
  it('is a private directory of this user, the same for every Spool home', async () => {
    const { mountPointRegistry } = await import('../../src/sandbox/linux/mount-points.js');
    const a = await mountPointRegistry(join(layout.base, 'home-a'), [], {});
    const b = await mountPointRegistry(join(layout.base, 'home-b'), [], {});
    expect(a).toBe(b);
    expect(statSync(a).mode & 0o077).toBe(0);
    const runtime = join(layout.base, 'run');
    mkdirSync(runtime);
    expect(await mountPointRegistry(layout.home, [], { XDG_RUNTIME_DIR: runtime })).toBe(
      join(realpathSync(runtime), 'spool-sandbox'),
    );
  });

  it('is never inside a writable root (there a command or apply_patch could delete it)', async () => {
    const { mountPointRegistry } = await import('../../src/sandbox/linux/mount-points.js');
    const runtime = join(layout.base, 'run');
    mkdirSync(runtime);
    const registry = await mountPointRegistry(layout.home, ['/tmp', realpathSync(layout.base)], {
      XDG_RUNTIME_DIR: runtime,
    });
    expect(registry.startsWith('/tmp/')).toBe(false);
    expect(registry.startsWith(realpathSync(layout.base))).toBe(registry.startsWith(layout.home));
  });

  it('refuses a directory others can write, falling back', async () => {
    const { mountPointRegistry } = await import('../../src/sandbox/linux/mount-points.js');
    const runtime = join(layout.base, 'run');
    mkdirSync(join(runtime, 'spool-sandbox'), { recursive: true, mode: 0o777 });
    const { chmodSync } = await import('node:fs');
    chmodSync(join(runtime, 'spool-sandbox'), 0o777);
    expect(await mountPointRegistry(layout.home, [], { XDG_RUNTIME_DIR: runtime })).not.toContain(runtime);
  });
});
