/**
 * Writes a verified plan to disk all-or-nothing.
 *
 * 1. Prepare: create missing parent directories and write every new content to a temporary file
 *    beside its target (same directory, so the final rename is atomic), with the final mode.
 * 2. Commit: for each target, keep the original under a backup name (a hard link, or the file itself
 *    for deletes), then rename the temporary file over the target (or leave it deleted).
 * 3. Success: remove the backups. Failure at any step: undo every step already taken, in reverse
 *    (backups renamed back, new files removed, temporary files and created directories removed),
 *    then report the error. Either every file changes or none does.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { describeFsError } from './fs-errors.js';
import type { FileOperation } from './plan.js';

export interface CommitHooks {
  /** Runs after all temporary files are written, before the first target is replaced (tests). */
  beforeReplace?: () => Promise<void> | void;
}

export class CommitError extends Error {
  constructor(
    message: string,
    /** Paths that could not be restored (empty when the rollback was complete). */
    readonly unrestored: string[],
  ) {
    super(message);
  }
}

interface Prepared {
  op: FileOperation;
  temp?: string;
  backup?: string;
  /** The target existed before the commit (for writes). */
  existed: boolean;
  replaced: boolean;
}

function sideName(target: string, tag: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.spool-${tag}`,
  );
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Keeps the original at a backup name without moving it: a hard link, else a copy. */
async function keepOriginal(target: string): Promise<string> {
  const backup = sideName(target, 'bak');
  try {
    await fs.link(target, backup);
  } catch {
    await fs.copyFile(target, backup, constants.COPYFILE_EXCL);
  }
  return backup;
}

export async function commitOperations(
  operations: readonly FileOperation[],
  hooks: CommitHooks = {},
): Promise<void> {
  const prepared: Prepared[] = operations.map((op) => ({ op, existed: false, replaced: false }));
  /** Directories this commit created, outermost first per target. */
  const createdDirs: string[] = [];
  let failure: { target: string; error: unknown; verb: string } | undefined;

  try {
    for (const item of prepared) {
      const { op } = item;
      if (op.kind !== 'write') continue;
      failure = { target: op.path, error: undefined, verb: 'create parent directories for' };
      const first = await fs.mkdir(path.dirname(op.path), { recursive: true });
      if (first) createdDirs.push(first);
      failure.verb = 'write file';
      item.temp = sideName(op.path, 'tmp');
      await fs.writeFile(item.temp, op.content, { flag: 'wx', mode: op.mode ?? 0o666 });
      // The open mode is masked by the umask; a preserved mode must be exact.
      if (op.mode !== undefined) await fs.chmod(item.temp, op.mode);
    }
    failure = undefined;
    await hooks.beforeReplace?.();
    for (const item of prepared) {
      const { op } = item;
      failure = {
        target: op.path,
        error: undefined,
        verb: op.kind === 'write' ? 'write file' : 'delete file',
      };
      if (op.kind === 'write') {
        item.existed = await exists(op.path);
        if (item.existed) item.backup = await keepOriginal(op.path);
        await fs.rename(item.temp as string, op.path);
        item.temp = undefined;
      } else {
        const backup = sideName(op.path, 'bak');
        await fs.rename(op.path, backup);
        item.backup = backup;
      }
      item.replaced = true;
    }
  } catch (err) {
    const unrestored = await rollback(prepared, createdDirs);
    const where = failure ? `Failed to ${failure.verb} ${failure.target}: ` : 'Failed to apply patch: ';
    const tail =
      unrestored.length === 0
        ? 'No files were changed.'
        : `Rolling back failed for: ${unrestored.join(', ')}; those files may be left changed.`;
    throw new CommitError(`${where}${describeFsError(err)}. ${tail}`, unrestored);
  }

  // Committed: the backups are no longer needed (a leftover backup is harmless, so errors are ignored).
  await Promise.all(prepared.map((item) => (item.backup ? fs.rm(item.backup, { force: true }) : undefined)));
}

async function rollback(prepared: Prepared[], createdDirs: string[]): Promise<string[]> {
  const unrestored: string[] = [];
  for (const item of [...prepared].reverse()) {
    try {
      if (item.replaced) {
        if (item.backup) await fs.rename(item.backup, item.op.path);
        else await fs.rm(item.op.path, { force: true });
      } else if (item.backup) {
        await fs.rm(item.backup, { force: true });
      }
      if (item.temp) await fs.rm(item.temp, { force: true });
    } catch {
      unrestored.push(item.op.path);
    }
  }
  // Remove directories this commit created, deepest first; rmdir refuses non-empty ones.
  const dirs = new Set<string>();
  for (const item of prepared) {
    if (item.op.kind !== 'write') continue;
    for (const top of createdDirs) {
      const within = (dir: string) => dir === top || dir.startsWith(top + path.sep);
      for (let dir = path.dirname(item.op.path); within(dir); dir = path.dirname(dir)) dirs.add(dir);
    }
  }
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    await fs.rmdir(dir).catch(() => undefined);
  }
  return unrestored;
}
