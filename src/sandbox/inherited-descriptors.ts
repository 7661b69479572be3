/**
 * Descriptors Spool inherited from whatever started it are closed at start-up, so no command (and
 * no sandbox) can receive them. bubblewrap passes every open descriptor on to the command, and an
 * inherited directory descriptor is a way out of any mount sandbox: `/proc/self/fd/N/file` writes
 * through it to the directory outside, read-only sandbox or not. Node marks only its first few
 * descriptors close-on-exec, so a descriptor at a higher number would otherwise reach every child.
 *
 * Spool's own descriptors are all close-on-exec (libuv opens everything with O_CLOEXEC), so an
 * open descriptor above stdio without that flag is one that was inherited. Kept: stdio, Node's IPC
 * channel, and descriptors the command line names (`-o /dev/fd/3`). Linux only (it reads
 * `/proc/self/fdinfo`); elsewhere nothing is closed.
 */
import fs from 'node:fs';

/** O_CLOEXEC as `/proc/<pid>/fdinfo` reports it in `flags:` (octal). */
const FDINFO_CLOEXEC = 0o2000000;

/** Descriptor numbers an argument names as a file (`/dev/fd/N`, `/proc/self/fd/N`). Pure. */
export function descriptorsNamedIn(args: readonly string[]): number[] {
  const out: number[] = [];
  for (const arg of args)
    for (const match of arg.matchAll(/\/(?:dev|proc\/self)\/fd\/(\d+)/g)) out.push(Number(match[1]));
  return out;
}

/** Closes inherited descriptors (see above); returns the numbers closed. */
export function closeInheritedDescriptors(keep: Iterable<number> = []): number[] {
  if (process.platform !== 'linux') return [];
  const kept = new Set(keep);
  const channel = Number.parseInt(process.env.NODE_CHANNEL_FD ?? '', 10);
  if (!Number.isNaN(channel)) kept.add(channel);
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc/self/fd');
  } catch (err) {
    process.emitWarning(`spool: cannot list inherited descriptors: ${(err as Error).message}`);
    return [];
  }
  const closed: number[] = [];
  for (const entry of entries) {
    const fd = Number(entry);
    if (!Number.isInteger(fd) || fd <= 2 || kept.has(fd)) continue;
    let info: string;
    try {
      info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch (err) {
      // The descriptor that listed the directory is gone by now.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? '', 8);
    if (Number.isNaN(flags) || (flags & FDINFO_CLOEXEC) !== 0) continue;
    try {
      fs.closeSync(fd);
      closed.push(fd);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
    }
  }
  return closed;
}
