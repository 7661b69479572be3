/**
 * An append-only file that never ends in a torn line.
 *
 * Every append is written with synchronous system calls, so once `append` returns the bytes are in
 * the kernel and survive a kill of the process; `sync: true` also flushes them to the disk
 * (fdatasync) before returning, for a crash of the machine. When a write fails part-way (disk full,
 * file size limit) the file is cut back to its last complete line and the error is thrown; the file
 * then refuses further appends, so a later line can never be glued to a torn one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectSystemError } from '../protocol/errors.js';
import { type SessionStoreError, storeError } from './errors.js';

export class AppendOnlyFile {
  private failure: SessionStoreError | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** Bytes of complete lines in the file. */
    private size: number,
  ) {}

  /** Creates `file` (which must not exist) with `firstLine`, durably: file and directory entry are synced. */
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
      syncDirectory(path.dirname(file));
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
      if (sync) fs.fdatasyncSync(this.fd);
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
  }

  /** Flushes what was appended without `sync` (e.g. before closing). */
  sync(): void {
    if (this.failure || this.closed) return;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (err) {
      this.failure = storeError(`cannot flush the session log ${this.path}`, err);
      throw this.failure;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      expectSystemError(err);
      // Nothing left to do with a descriptor that cannot close.
    }
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
