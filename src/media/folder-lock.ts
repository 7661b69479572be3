/**
 * A lock file shared by processes: `spool media` runs writing into the same output folder take it
 * around each read-modify-write of `manifest.json`, so no run's entries are lost to another's.
 * Taken by creating the file exclusively (O_EXCL) with the holder's pid, host and a random token.
 * A lock left by a process that died (`kill -9`) is stale: its pid is gone on this host, or it is
 * older than `staleMs` (pids are reused; a manifest update takes milliseconds). A stale lock is
 * moved aside under a fresh name and removed only if it is still the one judged stale, so two
 * waiters breaking it at once cannot remove a lock a third has just taken.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

export interface LockOptions {
  /** A lock older than this is stale whoever holds it (default 30 s). */
  staleMs?: number;
  /** How long to wait for a live holder before giving up (default 60 s). */
  timeoutMs?: number;
}

/** The lock could not be taken in time: another process holds it and is alive. */
class FolderLockTimeoutError extends Error {
  override name = 'FolderLockTimeoutError';
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  at: number;
}

/** Sleeps the thread for `ms` (the manifest is updated synchronously between awaits). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readHolder(file: string): { text: string; holder: Holder | undefined; mtimeMs: number } | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // released meanwhile
    throw err;
  }
  try {
    return { text, holder: JSON.parse(text) as Holder, mtimeMs };
  } catch (err) {
    // Empty or torn: the holder died between creating and writing it (judged by age below).
    if (err instanceof SyntaxError) return { text, holder: undefined, mtimeMs };
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function isStale(seen: { holder: Holder | undefined; mtimeMs: number }, staleMs: number): boolean {
  const age = Date.now() - (seen.holder?.at ?? seen.mtimeMs);
  if (age > staleMs) return true;
  const { holder } = seen;
  if (!holder) return Date.now() - seen.mtimeMs > 1_000;
  return holder.host === os.hostname() && holder.pid !== process.pid && !alive(holder.pid);
}

/** Removes the lock at `file` if it still holds `text` (the lock judged stale). */
function breakStale(file: string, text: string): void {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else broke or released it
    throw err;
  }
  const moved = fs.readFileSync(aside, 'utf8');
  if (moved !== text) {
    // It was a fresh lock taken after ours was judged: put it back (never over a newer one).
    try {
      fs.linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  fs.rmSync(aside, { force: true });
}

/** Runs `work` holding the lock file `file`; the lock is released however `work` ends. */
export function withFileLock<T>(file: string, work: () => T, options: LockOptions = {}): T {
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const token = randomBytes(8).toString('hex');
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), token, at: Date.now() });
  let wait = 2;
  for (;;) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o644 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = readHolder(file);
    if (seen && isStale(seen, staleMs)) {
      breakStale(file, seen.text);
      continue;
    }
    if (Date.now() > deadline)
      throw new FolderLockTimeoutError(
        `${file} is held by process ${seen?.holder?.pid ?? 'unknown'}; gave up waiting for it`,
      );
    sleepSync(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
  try {
    return work();
  } finally {
    // Released only if it is still ours (it could have been broken as stale by a long pause).
    const seen = readHolder(file);
    if (seen?.text === mine) fs.rmSync(file, { force: true });
  }
}
