/**
 * An append-only file that never ends in a torn line.
 *
 * Every append is written with synchronous system calls, so once `append` returns the bytes are in
 * the kernel and survive a kill of the process. Flushing them to the disk (fdatasync, for a crash of
 * the machine) is a group commit off the main thread: `append(text, true)` asks for it, one
 * `fdatasync` on the thread pool, started once the current turn of the event loop is done, covers
 * every append made before it (a response's reasoning and call usually arrive in one network read:
 * one flush), and `durable()`
 * resolves once everything asked for so far is on the disk (the loop awaits it before a tool runs,
 * so a call is on the disk before its tool starts). A synchronous `fdatasync` per line used to hold
 * the main thread ~6 ms (more under load) four or five times per model round trip.
 *
 * When a write fails part-way (disk full, file size limit) the file is cut back to its last
 * complete line and the error is thrown; the file then refuses further appends, so a later line can
 * never be glued to a torn one. A failed flush breaks the file the same way and rejects `durable()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectSystemError } from '../protocol/errors.js';
import { type SessionStoreError, storeError } from './errors.js';

interface DurableWaiter {
  /** Durable once the disk holds this many bytes. */
  bytes: number;
  resolve(): void;
  reject(error: SessionStoreError): void;
}

export class AppendOnlyFile {
  private failure: SessionStoreError | undefined;
  private closed = false;
  /** Bytes some append asked to be flushed; bytes known flushed; the flush on the thread pool. */
  private wanted = 0;
  private flushed = 0;
  /** A flush is due after this turn of the event loop; flushes running; called when none run. */
  private scheduled = false;
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private waiters: DurableWaiter[] = [];
  /** The new file's directory entry being flushed (create); `durable()` waits for it as well. */
  private entryFlush: Promise<void> | undefined;
  /** Called once when a background flush fails (the recorder stops its turn). */
  onBackgroundFailure: ((error: SessionStoreError) => void) | undefined;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** Bytes of complete lines in the file. */
    private size: number,
  ) {}

  /**
   * Creates `file` (which must not exist) with `firstLine`. The line is written at once (it survives
   * a kill); the file and its directory entry are flushed on the thread pool, and `durable()` waits
   * for both, so a new session's first request is not held by a synchronous flush while a tool
   * still never starts before its session's meta line is on the disk.
   */
  static create(file: string, firstLine: string): AppendOnlyFile {
    let fd: number;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    } catch (err) {
      throw storeError(`cannot create the session log ${file}`, err);
    }
    const created = new AppendOnlyFile(file, fd, 0);
    try {
      created.append(firstLine, true);
      created.entryFlush = syncDirectoryInBackground(path.dirname(file)).then(() => {
        created.entryFlush = undefined;
      });
    } catch (err) {
      created.close();
      fs.rmSync(file, { force: true });
      throw err;
    }
    return created;
  }

  /** Opens an existing file for appending after its first `completeBytes` (a torn tail is cut off). */
  static reopen(file: string, completeBytes: number): AppendOnlyFile {
    try {
      const fd = fs.openSync(file, 'r+');
      if (fs.fstatSync(fd).size !== completeBytes) {
        fs.ftruncateSync(fd, completeBytes);
        fs.fdatasyncSync(fd);
      }
      return new AppendOnlyFile(file, fd, completeBytes);
    } catch (err) {
      throw storeError(`cannot open the session log ${file}`, err);
    }
  }

  get broken(): SessionStoreError | undefined {
    return this.failure;
  }

  get bytes(): number {
    return this.size;
  }

  append(text: string, sync: boolean): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw storeError(`cannot write the session log ${this.path}`, 'it is closed');
    const data = Buffer.from(text, 'utf8');
    let written = 0;
    try {
      while (written < data.length) {
        written += fs.writeSync(this.fd, data, written, data.length - written, this.size + written);
      }
      this.size += data.length;
    } catch (err) {
      this.failure = storeError(`cannot write the session log ${this.path}`, err);
      if (written > 0) {
        try {
          fs.ftruncateSync(this.fd, this.size);
        } catch (err) {
          expectSystemError(err);
          // The reader drops a torn last line (with a warning) and resume cuts it off.
        }
      }
      throw this.failure;
    }
    if (sync) {
      this.wanted = this.size;
      this.startFlush();
    }
  }

  /** Resolves when every append made so far with `sync` is on the disk; rejects if a flush failed. */
  durable(): Promise<void> {
    const entry = this.entryFlush;
    if (entry === undefined) return this.linesDurable();
    return Promise.all([entry, this.linesDurable()]).then(() => undefined);
  }

  private linesDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.flushed >= this.wanted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ bytes: this.wanted, resolve, reject });
    });
  }

  /**
   * One fdatasync on the thread pool, once the events of this turn of the event loop are handled
   * (setImmediate), for everything written by then. It
   * does not wait for a flush already running (that one may have started before the newest lines):
   * flushes overlap, and each, when it returns, makes durable what was written before it began.
   */
  private startFlush(): void {
    if (this.scheduled || this.failure || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.failure || this.closed) return;
      const target = this.size;
      this.inFlight++;
      fs.fdatasync(this.fd, (err) => {
        this.inFlight--;
        if (err) this.backgroundFailure(err);
        else this.flushedTo(target);
        if (this.inFlight === 0) for (const done of this.idle.splice(0)) done();
      });
    });
  }

  private flushedTo(bytes: number): void {
    this.flushed = Math.max(this.flushed, bytes);
    const ready = this.waiters.filter((w) => w.bytes <= this.flushed);
    this.waiters = this.waiters.filter((w) => w.bytes > this.flushed);
    for (const waiter of ready) waiter.resolve();
  }

  private backgroundFailure(err: unknown): void {
    if (this.failure) return;
    this.failure = storeError(`cannot flush the session log ${this.path}`, err);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(this.failure);
    const notify = this.onBackgroundFailure;
    this.onBackgroundFailure = undefined;
    notify?.(this.failure);
  }

  /** Flushes everything appended so far, synchronously (creating a log, closing it). */
  sync(): void {
    if (this.failure || this.closed) return;
    // Closing before the background flush of a new file's entry returned: flush it here too.
    if (this.entryFlush) syncDirectory(path.dirname(this.path));
    try {
      fs.fdatasyncSync(this.fd);
    } catch (err) {
      this.failure = storeError(`cannot flush the session log ${this.path}`, err);
      throw this.failure;
    }
    this.flushedTo(this.size);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushed < this.wanted) {
      // Closed without its last flush (sync() first resolves everyone): no tool may start on it.
      const waiters = this.waiters;
      this.waiters = [];
      const closed = storeError(`cannot flush the session log ${this.path}`, 'it is closed');
      for (const waiter of waiters) waiter.reject(closed);
    }
    const closeFd = () => {
      try {
        fs.closeSync(this.fd);
      } catch (err) {
        expectSystemError(err);
        // Nothing left to do with a descriptor that cannot close.
      }
    };
    // A flush still on the thread pool must not meet a closed (or reused) descriptor number.
    if (this.inFlight > 0) this.idle.push(closeFd);
    else closeFd();
  }
}

/** Makes a new directory entry durable (Linux and macOS allow fsync on a directory). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    expectSystemError(err);
    // Some file systems refuse fsync on directories; the file's own data is synced regardless.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `syncDirectory` on the thread pool; never rejects (a refused directory fsync is not a failure). */
async function syncDirectoryInBackground(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    expectSystemError(err);
    // Some file systems refuse fsync on directories; the file's own data is synced regardless.
  } finally {
    await handle?.close().catch(expectSystemError);
  }
}
