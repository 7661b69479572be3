/**
 * Writes a verified plan to disk all-or-nothing.
 *
 * 1. Prepare: create missing parent directories and write every new content to a temporary file
 *    beside its target (same directory, so the final rename is atomic), with the final mode.
 * 2. Replace: for each target, keep the original under a backup name (a hard link, or the file
 *    itself for deletes), then rename the temporary file over the target (or leave it deleted).
 * 3. Success: remove the backups. Failure at any step: undo every step already taken (backups
 *    renamed back, new files removed, temporary files and created directories removed), then
 *    report the error. Either every file changes or none does.
 *
 * Files are independent, so each phase works on several files at once (bounded); a phase finishes
 * every started step before the next phase or the rollback begins.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { describeFsError } from './fs-errors.js';
import { forEachLimited } from './limited.js';
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
  replaced: boolean;
}

/** A failed step, with what it was doing to which file. */
class StepError extends Error {
  constructor(
    readonly verb: string,
    readonly target: string,
    readonly original: unknown,
  ) {
    super(`Failed to ${verb} ${target}: ${describeFsError(original)}`);
  }
}

async function step<T>(verb: string, target: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new StepError(verb, target, err);
  }
}

function sideName(target: string, tag: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.spool-${tag}`,
  );
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Keeps the original at a backup name without moving it (a hard link, else a copy); none if absent. */
async function keepOriginal(target: string): Promise<string | undefined> {
  const backup = sideName(target, 'bak');
  try {
    await fs.link(target, backup);
    return backup;
  } catch (err) {
    if (isMissing(err)) return undefined;
  }
  try {
    await fs.copyFile(target, backup, constants.COPYFILE_EXCL);
    return backup;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export async function commitOperations(
  operations: readonly FileOperation[],
  hooks: CommitHooks = {},
): Promise<void> {
  const prepared: Prepared[] = operations.map((op) => ({ op, replaced: false }));
  /** The first directory each mkdir created (its top), for the rollback. */
  const createdDirs: string[] = [];
  const directories = new Map<string, Promise<void>>();
  const ensureDirectory = (dir: string): Promise<void> => {
    let ready = directories.get(dir);
    if (!ready) {
      ready = fs.mkdir(dir, { recursive: true }).then((first) => {
        if (first) createdDirs.push(first);
      });
      directories.set(dir, ready);
    }
    return ready;
  };

  const prepare = async (item: Prepared): Promise<void> => {
    const { op } = item;
    if (op.kind !== 'write') return;
    await step('create parent directories for', op.path, () => ensureDirectory(path.dirname(op.path)));
    const temp = sideName(op.path, 'tmp');
    item.temp = temp;
    await step('write file', op.path, async () => {
      await fs.writeFile(temp, op.content, { flag: 'wx', mode: op.mode ?? 0o666 });
      // The open mode is masked by the umask; a preserved mode must be exact.
      if (op.mode !== undefined) await fs.chmod(temp, op.mode);
    });
  };

  const replace = async (item: Prepared): Promise<void> => {
    const { op } = item;
    if (op.kind === 'write') {
      await step('write file', op.path, async () => {
        item.backup = await keepOriginal(op.path);
        await fs.rename(item.temp as string, op.path);
      });
      item.temp = undefined;
    } else {
      const backup = sideName(op.path, 'bak');
      await step('delete file', op.path, () => fs.rename(op.path, backup));
      item.backup = backup;
    }
    item.replaced = true;
  };

  let failure = await forEachLimited(prepared, prepare);
  if (!failure) {
    try {
      await hooks.beforeReplace?.();
    } catch (error) {
      failure = { error };
    }
  }
  failure ??= await forEachLimited(prepared, replace);
  if (failure) {
    const unrestored = await rollback(prepared, createdDirs);
    const what =
      failure.error instanceof StepError
        ? failure.error.message
        : `Failed to apply patch: ${describeFsError(failure.error)}`;
    const tail =
      unrestored.length === 0
        ? 'No files were changed.'
        : `Rolling back failed for: ${unrestored.join(', ')}; those files may be left changed.`;
    throw new CommitError(`${what}. ${tail}`, unrestored);
  }
  // Committed: the backups are no longer needed (a leftover backup is harmless, so errors are ignored).
  await forEachLimited(prepared, async (item) => {
    if (item.backup) await fs.rm(item.backup, { force: true }).catch(() => undefined);
  });
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
