/**
 * Protected names that do not exist yet (`.spool` in a fresh checkout, `.git` in /tmp) are made
 * uncreatable by mounting an empty read-only tmpfs on them inside the sandbox. bwrap has to create
 * the mount point on the host to do that (an empty directory), so Spool removes it afterwards —
 * when the command ends, or, if Spool was killed first, at the next start (`sweepStaleMountPoints`).
 *
 * Removing it too early would be a hole: deleting a directory that is a mount point in another
 * mount namespace detaches that mount there, so a sandbox still running would suddenly be able to
 * create the name. Every sandbox therefore registers the mount points it uses (a marker per
 * command), and a mount point is removed only by the last user, under a lock, so a registration
 * cannot slip in between the check and the removal. A marker whose process is gone (same pid
 * namespace, pid not running or started at another time) no longer counts; one from another pid
 * namespace always counts, since its process cannot be checked from here.
 *
 * The registry is Spool's own bookkeeping and must be out of reach of what it guards: it lives
 * outside every writable root (so neither a command nor apply_patch can touch it), in
 * `$XDG_RUNTIME_DIR/spool-sandbox` or `/run/spool-sandbox-<uid>` (a directory of this user's, mode
 * 0700, not a symlink), else under the Spool home, which is never writable and hidden from every
 * sandbox. One per user where possible, so Spool sessions with different homes that share a
 * directory (a checkout) see each other's sandboxes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { expectSystemError, onSystemError } from '../../protocol/errors.js';
import { isWithin } from '../write-policy.js';

interface MountPointLease {
  /** Unregisters; removes each mount point no live sandbox still uses (if it is still empty). */
  release(): Promise<void>;
}

const LOCK_WAIT_MS = 5_000;
/** A lock file with no pid in it after this long was left by a holder that died writing it. */
const EMPTY_LOCK_STALE_MS = 1_000;

/** Who registered a mount point: enough to tell later whether that process still runs. */
interface Marker {
  mountPoint: string;
  pid: number;
  /** The process's start time (field 22 of /proc/<pid>/stat), against pid reuse. */
  start: string;
  /** The pid namespace the pid belongs to. */
  pidns: string;
}

function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch (err) {
    expectSystemError(err);
    return '';
  }
}

function ownPidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch (err) {
    expectSystemError(err);
    return '';
  }
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

/** Whether the sandbox behind `marker` may still be running. */
function markerLive(marker: Marker): boolean {
  if (marker.pidns !== ownPidNamespace()) return true;
  if (!pidAlive(marker.pid)) return false;
  return marker.start === '' || processStart(marker.pid) === marker.start;
}

function parseMarker(name: string, text: string): Marker {
  try {
    const value = JSON.parse(text) as Partial<Marker>;
    if (typeof value.mountPoint === 'string' && typeof value.pid === 'number')
      return {
        mountPoint: value.mountPoint,
        pid: value.pid,
        start: value.start ?? '',
        pidns: value.pidns ?? '',
      };
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  // An unreadable marker is treated as live: its mount point stays.
  return { mountPoint: text, pid: Number.parseInt(name.split('-')[0] ?? '', 10), start: '', pidns: '' };
}

/** A directory only this user can use, created if needed; undefined when `dir` is not one. */
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
  } catch (err) {
    expectSystemError(err);
    return undefined;
  }
}

/** Where the per-user registry may live, in order of preference (the home is the last resort). */
function registryCandidates(env: NodeJS.ProcessEnv): string[] {
  const runtime = env.XDG_RUNTIME_DIR;
  return [
    ...(runtime && path.isAbsolute(runtime) ? [path.join(runtime, 'spool-sandbox')] : []),
    `/run/spool-sandbox-${process.getuid?.() ?? 'user'}`,
  ];
}

/**
 * Where this user's mount-point registry lives (see above): never inside `writableRoots`, the
 * roots of the sandbox about to use it.
 */
export async function mountPointRegistry(
  spoolHome: string,
  writableRoots: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  for (const candidate of registryCandidates(env)) {
    const dir = await privateDirectory(candidate);
    if (dir && !writableRoots.some((root) => isWithin(dir, root) || isWithin(root, dir))) return dir;
  }
  return path.join(spoolHome, 'sandbox', 'mount-points');
}

/** Runs `fn` holding `<stateDir>/lock`; false when the lock could not be had in time. */
/**
 * A lock whose holder is gone: its pid is not running, or it holds no pid at all and is older than
 * a holder needs to write one (an earlier Spool wrote the pid into the lock in place: killed between
 * creating the file and writing it, it left an empty lock, and every later start then waited the
 * whole LOCK_WAIT_MS for it).
 */
async function staleLock(lock: string): Promise<boolean> {
  const text = await fs.readFile(lock, 'utf8').catch(onSystemError(undefined));
  if (text === undefined) return false;
  const holder = Number.parseInt(text, 10);
  if (!Number.isNaN(holder)) return !pidAlive(holder);
  const stat = await fs.stat(lock).catch(onSystemError(undefined));
  return stat !== undefined && Date.now() - stat.mtimeMs > EMPTY_LOCK_STALE_MS;
}

/**
 * Takes the lock: the pid goes into a file of this process's first, which is then linked as the
 * lock, so the lock never exists without its holder's pid in it. (Written in place, a holder killed
 * between creating the file and writing it left an empty lock.)
 */
async function takeLock(lock: string): Promise<'taken' | 'held' | 'failed'> {
  const mine = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await fs.writeFile(mine, String(process.pid), { flag: 'wx' });
    await fs.link(mine, lock);
    return 'taken';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'held' : 'failed';
  } finally {
    await fs.rm(mine, { force: true });
  }
}

async function withLock(stateDir: string, fn: () => Promise<void>): Promise<boolean> {
  const lock = path.join(stateDir, 'lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const taken = await takeLock(lock);
    if (taken === 'taken') break;
    if (taken === 'failed') return false;
    if (await staleLock(lock)) {
      await fs.rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
  }
  try {
    await fn();
    return true;
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/**
 * In a marker directory: present when a sandbox created the mount point (it did not exist when it
 * was first leased), so the last user removes it. A directory that was already there (the user's
 * own empty `.agents`) is leased too, so no one removes it while a sandbox uses it, but never removed.
 */
const CREATED = '.created';

function markerDir(stateDir: string, mountPoint: string): string {
  return path.join(stateDir, createHash('sha256').update(mountPoint).digest('hex').slice(0, 24));
}

/** The markers registered for the mount point of `dir` (a marker directory). */
async function readMarkers(dir: string): Promise<Array<{ name: string; marker: Marker }>> {
  const names = await fs.readdir(dir).catch(onSystemError<string[]>([]));
  const out: Array<{ name: string; marker: Marker }> = [];
  for (const name of names) {
    if (name === CREATED) continue;
    const text = await fs.readFile(path.join(dir, name), 'utf8').catch(onSystemError(undefined));
    if (text !== undefined) out.push({ name, marker: parseMarker(name, text) });
  }
  return out;
}

/**
 * Under the lock: forgets markers of processes that are gone, and removes every mount point left
 * with no live marker (only an empty directory: if anything was created there, it stays).
 */
async function sweepLocked(stateDir: string): Promise<void> {
  const entries = await fs.readdir(stateDir, { withFileTypes: true }).catch(onSystemError([]));
  for (const entry of entries) {
    // A lock's pid file left by a process killed while taking the lock.
    const tempLock = /^lock\.(\d+)\.[0-9a-f]+$/.exec(entry.name);
    if (tempLock && !pidAlive(Number(tempLock[1])))
      await fs.rm(path.join(stateDir, entry.name), { force: true });
    if (!entry.isDirectory()) continue;
    const dir = path.join(stateDir, entry.name);
    const markers = await readMarkers(dir);
    const dead = markers.filter(({ marker }) => !markerLive(marker));
    if (dead.length === 0) continue;
    await Promise.all(dead.map(({ name }) => fs.rm(path.join(dir, name), { force: true })));
    if (dead.length < markers.length) continue;
    const mountPoint = dead[0]?.marker.mountPoint;
    if (mountPoint && path.isAbsolute(mountPoint) && (await exists(path.join(dir, CREATED))))
      await removeEmptyDirectory(mountPoint);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

async function removeEmptyDirectory(dir: string): Promise<void> {
  try {
    await fs.rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Gone already, or no longer empty (then it is not ours to remove), or still mounted somewhere.
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EBUSY') throw err;
  }
}

/**
 * Removes the mount points that Spool processes which no longer run left behind (killed before
 * their cleanup). Called at start-up and before each new lease; never throws.
 */
export async function sweepStaleMountPoints(stateDir: string): Promise<void> {
  await fs
    .access(stateDir)
    .then(() => withLock(stateDir, () => sweepLocked(stateDir)))
    .catch((err: NodeJS.ErrnoException) => {
      // No registry yet (ENOENT): nothing to sweep. Anything else: the leftovers stay for the next start.
      return err.code;
    });
}

/**
 * At start-up: sweeps every registry this user's Spool may have used (the per-user ones and the
 * one under `spoolHome`), so what a killed Spool left in the user's tree is gone.
 */
export async function sweepLeftoverMountPoints(
  spoolHome: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  for (const candidate of [...registryCandidates(env), path.join(spoolHome, 'sandbox', 'mount-points')]) {
    const stat = await fs.lstat(candidate).catch(onSystemError(undefined));
    if (stat?.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o077) === 0)
      await sweepStaleMountPoints(candidate);
  }
}

/**
 * Registers `mountPoints` (paths that do not exist now, or empty directories) for one sandboxed command. When the state
 * directory cannot be used, the lease leaves the mount points in place: an empty directory left
 * behind is better than removing one a running sandbox depends on.
 */
export async function leaseMountPoints(
  stateDir: string,
  mountPoints: readonly string[],
): Promise<MountPointLease> {
  if (mountPoints.length === 0) return { release: async () => {} };
  const marker = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const record = (mountPoint: string): string =>
    JSON.stringify({
      mountPoint,
      pid: process.pid,
      start: processStart(process.pid),
      pidns: ownPidNamespace(),
    });
  let registered = false;
  try {
    await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
    registered = await withLock(stateDir, async () => {
      await sweepLocked(stateDir);
      await Promise.all(
        mountPoints.map(async (mountPoint) => {
          const dir = markerDir(stateDir, mountPoint);
          await fs.mkdir(dir, { recursive: true });
          if (!(await exists(mountPoint))) await fs.writeFile(path.join(dir, CREATED), '');
          await fs.writeFile(path.join(dir, marker), record(mountPoint));
        }),
      );
    });
  } catch (err) {
    expectSystemError(err);
    // Unregistered, the mount points are left in place (and said so in the docs): never removed
    // while a sandbox might use them.
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
            const others = await readMarkers(dir);
            if (others.some(({ marker: other }) => markerLive(other))) return;
            if (await exists(path.join(dir, CREATED))) await removeEmptyDirectory(mountPoint);
            await fs.rm(dir, { recursive: true, force: true });
          }),
        );
      }).catch((err: Error) => {
        // Left for the sweep of a later start.
        return err;
      });
    },
  };
}
