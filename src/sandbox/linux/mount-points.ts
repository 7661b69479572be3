/**
 * Protected names that do not exist yet (`.spool` in a fresh checkout, `.git` in /tmp) are made
 * uncreatable by mounting an empty read-only tmpfs on them inside the sandbox. bwrap has to create
 * the mount point on the host to do that (an empty directory), so Spool removes it afterwards.
 *
 * Removing it too early would be a hole: deleting a directory that is a mount point in another
 * mount namespace detaches that mount there, so a sandbox still running would suddenly be able to
 * create the name. Every sandbox therefore registers the mount points it uses (a marker file per
 * command), and a mount point is removed only by the last user, under a lock, so a registration
 * cannot slip in between the check and the removal. Markers of dead processes are ignored.
 *
 * The registry is one per user, not per Spool home, so Spool sessions with different homes that
 * share a directory (/tmp, a checkout) see each other's sandboxes: `$XDG_RUNTIME_DIR/spool-sandbox`
 * or `/tmp/spool-sandbox-<uid>` (a directory of this user's, mode 0700, not a symlink), else the
 * Spool home. Every sandbox mounts it read-only, like the Spool home, so no command can touch it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface MountPointLease {
  /** Unregisters; removes each mount point no live sandbox still uses (if it is still empty). */
  release(): Promise<void>;
}

const LOCK_WAIT_MS = 5_000;

/** A directory only this user can write, created if needed; undefined when `dir` is not one. */
async function privateDirectory(dir: string): Promise<string | undefined> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const stat = await fs.lstat(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0)
      return undefined;
    return await fs.realpath(dir);
  } catch {
    return undefined;
  }
}

/** Where this user's mount-point registry lives (see above). */
export async function mountPointRegistry(
  spoolHome: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const runtime = env.XDG_RUNTIME_DIR;
  const candidates = [
    ...(runtime && path.isAbsolute(runtime) ? [path.join(runtime, 'spool-sandbox')] : []),
    `/tmp/spool-sandbox-${process.getuid?.() ?? 'user'}`,
  ];
  for (const candidate of candidates) {
    const dir = await privateDirectory(candidate);
    if (dir) return dir;
  }
  return path.join(spoolHome, 'sandbox', 'mount-points');
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function markerPid(name: string): number {
  return Number.parseInt(name.split('-')[0] ?? '', 10);
}

/** Runs `fn` holding `<stateDir>/lock`; false when the lock could not be had in time. */
async function withLock(stateDir: string, fn: () => Promise<void>): Promise<boolean> {
  const lock = path.join(stateDir, 'lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const holder = Number.parseInt(await fs.readFile(lock, 'utf8').catch(() => ''), 10);
      if (!Number.isNaN(holder) && !pidAlive(holder)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
    }
  }
  try {
    await fn();
    return true;
  } finally {
    await fs.rm(lock, { force: true });
  }
}

function markerDir(stateDir: string, mountPoint: string): string {
  return path.join(stateDir, createHash('sha256').update(mountPoint).digest('hex').slice(0, 24));
}

/**
 * Registers `mountPoints` (paths that do not exist now) for one sandboxed command. When the state
 * directory cannot be used, the lease leaves the mount points in place: an empty directory left
 * behind is better than removing one a running sandbox depends on.
 */
export async function leaseMountPoints(
  stateDir: string,
  mountPoints: readonly string[],
): Promise<MountPointLease> {
  if (mountPoints.length === 0) return { release: async () => {} };
  const marker = `${process.pid}-${randomBytes(6).toString('hex')}`;
  let registered = false;
  try {
    await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
    registered = await withLock(stateDir, async () => {
      await Promise.all(
        mountPoints.map(async (mountPoint) => {
          const dir = markerDir(stateDir, mountPoint);
          await fs.mkdir(dir, { recursive: true });
          await fs.writeFile(path.join(dir, marker), mountPoint);
        }),
      );
    });
  } catch {
    registered = false;
  }
  return {
    release: async () => {
      if (!registered) return;
      await withLock(stateDir, async () => {
        await Promise.all(
          mountPoints.map(async (mountPoint) => {
            const dir = markerDir(stateDir, mountPoint);
            await fs.rm(path.join(dir, marker), { force: true });
            const others = await fs.readdir(dir).catch(() => [] as string[]);
            if (others.some((name) => pidAlive(markerPid(name)))) return;
            // Only an empty directory: if anything was created there on the host, it stays.
            await fs.rmdir(mountPoint).catch(() => {});
            await fs.rm(dir, { recursive: true, force: true });
          }),
        );
      }).catch(() => false);
    },
  };
}
