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
 *
 * Every name is looked up relative to a directory opened without following symlinks (see
 * anchored-fs.ts): a directory swapped for a symlink after the plan was checked makes the step
 * fail (and the commit roll back); it never sends a write somewhere else.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { expectSystemError, onSystemError } from '../../protocol/errors.js';
import { AnchorError, type AnchoredFs } from './anchored-fs.js';
import { describeFsError } from './fs-errors.js';
import { forEachLimited } from './limited.js';
import type { FileOperation } from './plan.js';

export interface CommitHooks {
  /** Runs after the plan, before the first directory or file is written (tests). */
  beforeWrite?: () => Promise<void> | void;
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
  /** `op.path` as looked up through its anchored directory. */
  target?: string;
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
    // A directory on the way is no longer the one that was checked (a symlink, a file).
    const original =
      err instanceof AnchorError ? Object.assign(new Error(err.message), { code: err.code }) : err;
    throw new StepError(verb, target, original);
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

/** Creates `file` (which must not exist, not even as a symlink) with `content` and exactly `mode`. */
async function writeNew(file: string, content: string, mode: number | undefined): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await fs.open(file, flags, mode ?? 0o666);
  try {
    await handle.writeFile(content);
    // The open mode is masked by the umask; a preserved mode must be exact. fchmod, on the file
    // just created: a name could have been swapped meanwhile, a descriptor cannot.
    if (mode !== undefined) await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

export async function commitOperations(
  operations: readonly FileOperation[],
  anchors: AnchoredFs,
  hooks: CommitHooks = {},
): Promise<void> {
  const prepared: Prepared[] = operations.map((op) => ({ op, replaced: false }));

  const prepare = async (item: Prepared): Promise<void> => {
    const { op } = item;
    if (op.kind !== 'write') {
      item.target = await step('delete file', op.path, () => anchors.locate(op.path));
      return;
    }
    const target = await step('create parent directories for', op.path, () =>
      anchors.locate(op.path, { create: true }),
    );
    item.target = target;
    const temp = sideName(target, 'tmp');
    item.temp = temp;
    await step('write file', op.path, () => writeNew(temp, op.content, op.mode));
  };

  const replace = async (item: Prepared): Promise<void> => {
    const { op } = item;
    const target = item.target as string;
    if (op.kind === 'write') {
      await step('write file', op.path, async () => {
        item.backup = await keepOriginal(target);
        await fs.rename(item.temp as string, target);
      });
      item.temp = undefined;
    } else {
      const backup = sideName(target, 'bak');
      await step('delete file', op.path, () => fs.rename(target, backup));
      item.backup = backup;
    }
    item.replaced = true;
  };

  let failure: { error: unknown } | undefined;
  try {
    await hooks.beforeWrite?.();
  } catch (error) {
    failure = { error };
  }
  failure ??= await forEachLimited(prepared, prepare);
  if (!failure) {
    try {
      await hooks.beforeReplace?.();
    } catch (error) {
      failure = { error };
    }
  }
  failure ??= await forEachLimited(prepared, replace);
  if (failure) {
    const unrestored = await rollback(prepared, anchors);
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
    if (item.backup) await fs.rm(item.backup, { force: true }).catch(onSystemError(undefined));
  });
}

async function rollback(prepared: Prepared[], anchors: AnchoredFs): Promise<string[]> {
  const unrestored: string[] = [];
  for (const item of [...prepared].reverse()) {
    try {
      const target = item.target;
      if (item.replaced && target !== undefined) {
        if (item.backup) await fs.rename(item.backup, target);
        else await fs.rm(target, { force: true });
      } else if (item.backup) {
        await fs.rm(item.backup, { force: true });
      }
      if (item.temp) await fs.rm(item.temp, { force: true });
    } catch (err) {
      expectSystemError(err);
      unrestored.push(item.op.path);
    }
  }
  // Directories this commit created, deepest first; rmdir refuses non-empty ones.
  await anchors.removeCreated().catch(onSystemError(undefined));
  return unrestored;
}
