/**
 * A pids cgroup per sandboxed command, inside one per session: bounds how many processes (and
 * threads) a session's commands can have at once (`pids.max` of the session's cgroup), which
 * RLIMIT_NPROC cannot do for root, and lets Spool kill whatever a command left when it ends.
 *
 * Spool creates a child of its own cgroup in the pids hierarchy: cgroup v1 (`…/pids/<own path>/`)
 * or v2 (`<unified>/<own path>/` when `pids` is enabled for its children). Where neither is
 * writable (an unprivileged user on most desktops, many containers), there is no bound; the
 * command still runs in the sandbox, and `docs/security.md` says so.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectErrno, expectSystemError, GONE, onSystemError } from '../../protocol/errors.js';

interface PidsCgroup {
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
  } catch (err) {
    expectSystemError(err);
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
  if (version === 2) await fs.writeFile(path.join(dir, 'cgroup.kill'), '1').catch(onSystemError(undefined));
  for (let round = 0; round < 50; round++) {
    const pids = (await readText(path.join(dir, 'cgroup.procs')))
      .split('\n')
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => n > 0);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        expectErrno(err, GONE);
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
  const names = await fs.readdir(parent).catch(onSystemError<string[]>([]));
  const cutoff = Date.now() - 60_000;
  await Promise.all(
    names
      .filter((name) => /^spool-\d+-[0-9a-f]+$/.test(name))
      .filter((name) => !pidAlive(Number(name.split('-')[1])))
      .map(async (name) => {
        const dir = path.join(parent, name);
        const stat = await fs.stat(dir).catch(onSystemError(undefined));
        if (!stat || stat.mtimeMs >= cutoff) return;
        // A session's cgroup holds one (empty, by now) child per command.
        for (const child of await fs.readdir(dir).catch(onSystemError<string[]>([])))
          if (child.startsWith('cmd-')) await fs.rmdir(path.join(dir, child)).catch(onSystemError(undefined));
        await fs.rmdir(dir).catch(onSystemError(undefined));
      }),
  );
}

/** Kills what is left in `dir` (and in its children), then removes them all. Never throws. */
async function destroyTree(dir: string, version: 1 | 2): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(onSystemError([]));
  for (const entry of entries)
    if (entry.isDirectory() && entry.name.startsWith('cmd-'))
      await destroyTree(path.join(dir, entry.name), version);
  await killAll(dir, version);
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function cgroupAt(dir: string, version: 1 | 2): PidsCgroup {
  return {
    dir,
    procsFile: path.join(dir, 'cgroup.procs'),
    destroy: () => destroyTree(dir, version),
  };
}

/** A fresh pids cgroup with `pids.max = maxProcesses`, with its hierarchy's version; undefined where none can be made. */
async function createOwnCgroup(
  maxProcesses: number,
): Promise<{ cgroup: PidsCgroup; version: 1 | 2 } | undefined> {
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
    } catch (err) {
      expectSystemError(err);
      // Not writable here: try the next hierarchy.
      continue;
    }
    try {
      await fs.writeFile(path.join(dir, 'pids.max'), String(maxProcesses));
      // v2: children get a pids controller only when it is enabled for them.
      if (hierarchy.version === 2) await fs.writeFile(path.join(dir, 'cgroup.subtree_control'), '+pids');
    } catch (err) {
      expectSystemError(err);
      await fs.rmdir(dir).catch(onSystemError(undefined));
      continue;
    }
    return { cgroup: cgroupAt(dir, hierarchy.version), version: hierarchy.version };
  }
  return undefined;
}

/** A fresh pids cgroup with `pids.max = maxProcesses`, or undefined where none can be made. */
export async function createPidsCgroup(maxProcesses: number): Promise<PidsCgroup | undefined> {
  return (await createOwnCgroup(maxProcesses))?.cgroup;
}

/**
 * The process bound of one session (a thread's commands): every sandboxed command runs in a child
 * of one pids cgroup whose `pids.max` is the bound, so what commands leave running in the
 * background adds up — three background commands cannot hold three times the limit. The session
 * cgroup is made at the first command and removed (with anything left in it) by `close()`.
 */
export class SessionPidsBudget {
  private session: Promise<{ cgroup: PidsCgroup; version: 1 | 2 } | undefined> | undefined;

  /** A cgroup for one command inside the session's (made with `maxProcesses` the first time). */
  async commandCgroup(maxProcesses: number): Promise<PidsCgroup | undefined> {
    this.session ??= createOwnCgroup(maxProcesses);
    const session = await this.session;
    if (!session) return undefined;
    const dir = path.join(session.cgroup.dir, `cmd-${randomBytes(4).toString('hex')}`);
    try {
      await fs.mkdir(dir);
    } catch (err) {
      // The session cgroup went away (removed from outside): start a new one next time.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.session = undefined;
      return this.commandCgroup(maxProcesses);
    }
    return cgroupAt(dir, session.version);
  }

  /** Ends everything still in the session's cgroup and removes it. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await (await session)?.cgroup.destroy();
  }
}
