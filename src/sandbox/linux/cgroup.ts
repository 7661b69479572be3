/**
 * A pids cgroup per sandboxed command: bounds how many processes (and threads) it can have at once
 * (`pids.max`), which RLIMIT_NPROC cannot do for root, and lets Spool kill whatever is left when
 * the command ends.
 *
 * Spool creates a child of its own cgroup in the pids hierarchy: cgroup v1 (`…/pids/<own path>/`)
 * or v2 (`<unified>/<own path>/` when `pids` is enabled for its children). Where neither is
 * writable (an unprivileged user on most desktops, many containers), there is no bound; the
 * command still runs in the sandbox, and `docs/security.md` says so.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface PidsCgroup {
  /** The cgroup directory. */
  dir: string;
  /** Write a pid here to move that process in (its future children follow). */
  procsFile: string;
  /** Kills every process in the cgroup, then removes it. Never throws. */
  destroy(): Promise<void>;
}

interface Hierarchy {
  version: 1 | 2;
  /** Where Spool's own cgroup of this hierarchy is. */
  ownDir: string;
}

/** Mount points of cgroup filesystems, from /proc/self/mountinfo. */
function cgroupMounts(mountinfo: string): { v1Pids?: string; v2?: string } {
  const found: { v1Pids?: string; v2?: string } = {};
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = left.split(' ')[4];
    const [fstype, , superOptions = ''] = right.split(' ');
    if (!mountPoint) continue;
    if (fstype === 'cgroup' && superOptions.split(',').includes('pids')) found.v1Pids ??= mountPoint;
    if (fstype === 'cgroup2') found.v2 ??= mountPoint;
  }
  return found;
}

/** Candidate hierarchies for this process, most specific first. Pure. */
export function pidsHierarchies(procCgroup: string, mountinfo: string): Hierarchy[] {
  const mounts = cgroupMounts(mountinfo);
  const out: Hierarchy[] = [];
  for (const line of procCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers = '', cgroupPath = '/'] = match;
    if (controllers.split(',').includes('pids') && mounts.v1Pids) {
      out.unshift({ version: 1, ownDir: path.resolve(mounts.v1Pids, `.${cgroupPath}`) });
    } else if (id === '0' && controllers === '' && mounts.v2) {
      out.push({ version: 2, ownDir: path.resolve(mounts.v2, `.${cgroupPath}`) });
    }
  }
  return out;
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return '';
  }
}

async function usable(hierarchy: Hierarchy): Promise<boolean> {
  if (hierarchy.version === 1) return true;
  // v2: the child gets a pids controller only when the parent enables it for its children.
  const enabled = (await readText(path.join(hierarchy.ownDir, 'cgroup.subtree_control'))).split(/\s+/);
  return enabled.includes('pids');
}

async function killAll(dir: string, version: 1 | 2): Promise<void> {
  if (version === 2) await fs.writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => {});
  for (let round = 0; round < 50; round++) {
    const pids = (await readText(path.join(dir, 'cgroup.procs')))
      .split('\n')
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => n > 0);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes empty cgroups that a Spool process which no longer runs left behind (it died mid-command).
 * Only old ones: a Spool in another pid namespace looks dead from here, and its fresh cgroup must
 * not vanish before its command joins it.
 */
async function removeStale(parent: string): Promise<void> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  const cutoff = Date.now() - 60_000;
  await Promise.all(
    names
      .filter((name) => /^spool-\d+-[0-9a-f]+$/.test(name))
      .filter((name) => !pidAlive(Number(name.split('-')[1])))
      .map(async (name) => {
        const dir = path.join(parent, name);
        const stat = await fs.stat(dir).catch(() => undefined);
        if (stat && stat.mtimeMs < cutoff) await fs.rmdir(dir).catch(() => {});
      }),
  );
}

/** A fresh pids cgroup with `pids.max = maxProcesses`, or undefined where none can be made. */
export async function createPidsCgroup(maxProcesses: number): Promise<PidsCgroup | undefined> {
  const hierarchies = pidsHierarchies(
    await readText('/proc/self/cgroup'),
    await readText('/proc/self/mountinfo'),
  );
  for (const hierarchy of hierarchies) {
    if (!(await usable(hierarchy))) continue;
    await removeStale(hierarchy.ownDir);
    const dir = path.join(hierarchy.ownDir, `spool-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.mkdir(dir);
    } catch {
      continue;
    }
    try {
      await fs.writeFile(path.join(dir, 'pids.max'), String(maxProcesses));
    } catch {
      await fs.rmdir(dir).catch(() => {});
      continue;
    }
    return {
      dir,
      procsFile: path.join(dir, 'cgroup.procs'),
      destroy: async () => {
        await killAll(dir, hierarchy.version);
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            await fs.rmdir(dir);
            return;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
      },
    };
  }
  return undefined;
}
