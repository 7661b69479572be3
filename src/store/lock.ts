/**
 * One process at a time per session: a lock file created exclusively next to the rollout, holding
 * the owner's pid and host. A lock whose process is gone (killed, crashed) is stale and taken over.
 *
 * Taking over is race-free between two newcomers: the stale file is first renamed to a private
 * name (only one rename of that file can succeed), and only a process that moved the very file it
 * judged stale removes it and competes for a fresh exclusive create.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { expectSyntaxError, expectSystemError } from '../protocol/errors.js';
import { errorCode, SessionLockedError, storeError } from './errors.js';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export interface SessionLock {
  readonly path: string;
  /** Removes the lock file if this process still owns it; calling it again does nothing. */
  release(): void;
}

function readOwner(file: string): { owner: LockOwner | undefined; ino: number } | undefined {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const ino = fs.fstatSync(fd).ino;
      const text = fs.readFileSync(fd, 'utf8');
      try {
        return { owner: JSON.parse(text) as LockOwner, ino };
      } catch (err) {
        expectSyntaxError(err);
        // Written by a process killed between create and write: its owner is unknown and gone.
        return { owner: undefined, ino };
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

/** Whether the owner may still hold the lock (a process on another host cannot be checked). */
function ownerLive(owner: LockOwner | undefined, ino: number, file: string): boolean {
  if (!owner || typeof owner.pid !== 'number') {
    // An empty lock younger than a few seconds may be a process between create and write.
    try {
      const stat = fs.statSync(file);
      return stat.ino === ino && Date.now() - stat.mtimeMs < 5_000;
    } catch (err) {
      expectSystemError(err);
      return false;
    }
  }
  if (owner.host !== os.hostname()) return true;
  return owner.pid === process.pid || isAlive(owner.pid);
}

/** Removes a stale lock, unless the file changed since it was judged stale (someone took over first). */
function removeStale(file: string, ino: number): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  if (fs.statSync(aside).ino !== ino) {
    // We moved a fresh lock of a process that took over before us: put it back.
    try {
      fs.linkSync(aside, file);
    } catch (err) {
      expectSystemError(err);
      // A third process holds the name now; the owner of the moved lock keeps its descriptor.
    }
  }
  fs.rmSync(aside, { force: true });
}

export function acquireSessionLock(file: string, sessionId: string): SessionLock {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(owner));
      } finally {
        fs.closeSync(fd);
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        releaseLock(file);
      };
      return { path: file, release };
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw storeError(`cannot lock session ${sessionId}`, err);
    }
    const held = readOwner(file);
    if (!held) continue;
    if (ownerLive(held.owner, held.ino, file)) {
      const who = held.owner
        ? `process ${held.owner.pid}${held.owner.host !== os.hostname() ? ` on ${held.owner.host}` : ''} (since ${held.owner.since})`
        : 'another process';
      throw new SessionLockedError(
        `session ${sessionId} is in use by ${who}. If that process is gone, delete ${file}.`,
      );
    }
    removeStale(file, held.ino);
  }
  throw new SessionLockedError(`session ${sessionId}: could not take its lock ${file} (contended)`);
}

function releaseLock(file: string): void {
  const held = readOwner(file);
  if (held?.owner?.pid === process.pid && held.owner.host === os.hostname()) fs.rmSync(file, { force: true });
}
