/**
 * The files of a checkpoint kept in a shared directory (`queue.checkpoint_dir`): each run of a job
 * writes only files named after its own fencing token (`<dir>/<job>/<token>.rollout.jsonl`,
 * `<dir>/<job>/<token>.<n>.patch`), so a run that lost the job can never change a file its successor
 * reads. Redis says which file is current and how many of its bytes count; a file is always written
 * and synced before Redis points at it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory } from '../store/append-file.js';

class CheckpointFileError extends Error {}

/** Where a job's checkpoint files go under `dir`. */
export function jobFilesDir(dir: string, jobId: string): string {
  return path.join(dir, jobId);
}

export function rolloutFileOf(dir: string, jobId: string, token: string): string {
  return path.join(jobFilesDir(dir, jobId), `${token}.rollout.jsonl`);
}

export function patchFileOf(dir: string, jobId: string, token: string, serial: number): string {
  return path.join(jobFilesDir(dir, jobId), `${token}.${serial}.patch`);
}

const CHECKPOINT_FILE_NAME = /^[A-Za-z0-9-]+\.(rollout\.jsonl|\d+\.patch)$/;

function isCheckpointFile(jobId: string, file: string): boolean {
  return (
    path.isAbsolute(file) &&
    path.normalize(file) === file &&
    path.basename(path.dirname(file)) === jobId &&
    CHECKPOINT_FILE_NAME.test(path.basename(file))
  );
}

/**
 * A path read from Redis, accepted only as one of the job's checkpoint files: a run reads and
 * removes what the checkpoint points at, and must not be pointed at anything else.
 */
export function checkpointFile(jobId: string, file: string): string {
  if (isCheckpointFile(jobId, file)) return file;
  throw new CheckpointFileError(
    `the checkpoint of job ${jobId} points at ${file}, which is not one of its checkpoint files`,
  );
}

/** Removes those of `files` (read from Redis) that are the job's checkpoint files. */
export function removeCheckpointFiles(jobId: string, files: Array<string | undefined>): void {
  removeAll(files.filter((file) => file !== undefined && isCheckpointFile(jobId, file)));
}

/** Replaces `file` with `data`, synced (the file and its directory entry). */
export function writeWhole(file: string, data: Buffer | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  syncDirectory(path.dirname(file));
}

/** Writes `chunk` at byte `at` of `file` (cutting off anything after it), synced. */
export function writeAt(file: string, at: number, chunk: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, at);
    const data = Buffer.from(chunk, 'utf8');
    fs.writeSync(fd, data, 0, data.length, at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `bytes` bytes of a checkpoint file; an error naming the file when it has fewer. */
export function readPrefix(file: string, bytes: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CheckpointFileError(
        `checkpoint file ${file} is missing: is queue.checkpoint_dir on storage every worker shares?`,
      );
    throw err;
  }
  try {
    const buffer = Buffer.alloc(bytes);
    let read = 0;
    while (read < bytes) {
      const n = fs.readSync(fd, buffer, read, bytes - read, read);
      if (n === 0) break;
      read += n;
    }
    if (read < bytes)
      throw new CheckpointFileError(`checkpoint file ${file} holds ${read} bytes, not the ${bytes} recorded`);
    return buffer;
  } finally {
    fs.closeSync(fd);
  }
}

/** A whole checkpoint file as text (a worktree snapshot). */
export function readWhole(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CheckpointFileError(
        `checkpoint file ${file} is missing: is queue.checkpoint_dir on storage every worker shares?`,
      );
    throw err;
  }
}

/** Makes the checkpoint directory and checks that files can be written there. */
export function prepareCheckpointDir(dir: string): void {
  const probe = path.join(dir, `.probe-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new CheckpointFileError(`queue.checkpoint_dir ${dir} is not usable: ${(err as Error).message}`);
  }
}

/** Removes checkpoint files or directories; ones already gone are fine. */
export function removeAll(paths: Array<string | undefined>): void {
  for (const target of paths) if (target) fs.rmSync(target, { recursive: true, force: true });
}
