/**
 * File access for apply_patch under the kernel's rules, not a check made earlier.
 *
 * The write policy judges a patch's targets by their physical paths (symlinks resolved). A sandboxed
 * command running at the same time (a background exec session) can swap a directory on such a
 * path for a symlink after the check, so a plain `open(path)` would follow it out of the writable
 * roots. Here no path is ever looked up as a whole: every directory is opened one component at a
 * time from `/`, each with `O_DIRECTORY | O_NOFOLLOW`, and files are then named relative to the
 * open descriptor of their directory. Node has no `openat`, so the descriptor is named through
 * `/proc/self/fd/N/name`: the kernel resolves `/proc/self/fd/N` to the very directory that was
 * opened (not to a path that could have changed), and looks only `name` up inside it. A component
 * that became a symlink fails the walk (`ELOOP`/`ENOTDIR`) instead of leading elsewhere, and a
 * directory that was renamed after it was opened is still the same directory: inside a sandbox a
 * directory can only be renamed within its own mount (a writable root), never into a read-only
 * one or out of the roots (`EXDEV`).
 *
 * On platforms without `/proc` (macOS) paths are used as they are; see docs/security.md.
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Why a walk stopped at a component that is not a plain directory. */
export class AnchorError extends Error {
  constructor(
    readonly code: string,
    readonly at: string,
  ) {
    super(`${at}: ${code}`);
  }
}

export interface AnchoredFs {
  /**
   * The name to use for `file` (physical, absolute) in file-system calls: its directory opened
   * component by component without following symlinks, `file`'s last component looked up in it.
   * With `create`, missing directories are made (and remembered for `removeCreated`).
   */
  locate(file: string, options?: { create?: boolean }): Promise<string>;
  /** Removes the directories `locate` created that are empty again, deepest first. */
  removeCreated(): Promise<void>;
  /** Closes every descriptor. */
  close(): Promise<void>;
}

/** Uses `/proc/self/fd` where the platform has it (Linux), plain paths elsewhere. */
export function openAnchoredFs(platform: NodeJS.Platform = process.platform): AnchoredFs {
  return platform === 'linux' ? new ProcFdAnchors() : new PlainPaths();
}

/** Paths as they are (no `/proc`): the check-then-write window remains (docs/security.md). */
class PlainPaths implements AnchoredFs {
  /** The first directory each mkdir created, for the rollback. */
  private readonly created: string[] = [];

  async locate(file: string, options: { create?: boolean } = {}): Promise<string> {
    if (options.create) {
      const first = await fs.mkdir(path.dirname(file), { recursive: true });
      if (first) this.created.push(first);
    }
    return file;
  }

  async removeCreated(): Promise<void> {
    // Deepest first, whole created subtrees, only where empty (rmdir refuses the others).
    for (const top of this.created.reverse()) await removeEmptyTree(top);
    this.created.length = 0;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function removeEmptyTree(dir: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyTree(path.join(dir, entry.name));
  try {
    await fs.rmdir(dir);
  } catch (err) {
    if (errnoOf(err) !== 'ENOTEMPTY' && errnoOf(err) !== 'EEXIST') throw err;
  }
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

class ProcFdAnchors implements AnchoredFs {
  /** Open directories by physical path (each opened once; `/` first). Handles, not bare numbers:
   * a FileHandle that is dropped gets closed by the garbage collector. */
  private readonly dirs = new Map<string, Promise<FileHandle>>();
  /** Directories this instance created, in creation order. */
  private readonly created: string[] = [];

  async locate(file: string, options: { create?: boolean } = {}): Promise<string> {
    if (!path.isAbsolute(file)) throw new Error(`anchored path must be absolute: ${file}`);
    const dir = path.dirname(path.normalize(file));
    const handle = await this.directory(dir, options.create ?? false);
    return `/proc/self/fd/${handle.fd}/${path.basename(file)}`;
  }

  private directory(dir: string, create: boolean): Promise<FileHandle> {
    const known = this.dirs.get(dir);
    if (known) return known;
    // A failure is not cached (the next caller walks again, and fails again or creates); the
    // caller gets the error.
    const opening = this.openDirectory(dir, create).catch((err: unknown) => {
      this.dirs.delete(dir);
      throw err;
    });
    this.dirs.set(dir, opening);
    return opening;
  }

  private async openDirectory(dir: string, create: boolean): Promise<FileHandle> {
    const parent = path.dirname(dir);
    if (parent === dir) {
      const handle = await fs.open(dir, DIRECTORY_FLAGS);
      // Anchors only mean something if the kernel resolves `/proc/self/fd/N` to the descriptor.
      try {
        await fs.stat(`/proc/self/fd/${handle.fd}`);
      } catch (err) {
        await handle.close();
        throw new AnchorError(errnoOf(err) ?? 'ENOENT', '/proc/self/fd (is /proc mounted?)');
      }
      return handle;
    }
    const parentHandle = await this.directory(parent, create);
    const name = `/proc/self/fd/${parentHandle.fd}/${path.basename(dir)}`;
    try {
      return await fs.open(name, DIRECTORY_FLAGS);
    } catch (err) {
      const code = errnoOf(err);
      if (code !== 'ENOENT' || !create) throw new AnchorError(code ?? 'EIO', dir);
    }
    try {
      await fs.mkdir(name);
      this.created.push(dir);
    } catch (err) {
      // Made meanwhile by someone else: open it like any existing directory.
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
    try {
      return await fs.open(name, DIRECTORY_FLAGS);
    } catch (err) {
      throw new AnchorError(errnoOf(err) ?? 'EIO', dir);
    }
  }

  async removeCreated(): Promise<void> {
    for (const dir of [...this.created].reverse()) {
      try {
        await fs.rmdir(await this.locate(dir));
      } catch (err) {
        // Not empty (someone else's file), or its parent is gone: leave it.
        if (!['ENOTEMPTY', 'EEXIST', 'ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoOf(err) ?? '')) throw err;
      }
    }
    this.created.length = 0;
  }

  async close(): Promise<void> {
    const handles = await Promise.allSettled(this.dirs.values());
    this.dirs.clear();
    await Promise.all(
      handles.map(async (handle) => {
        if (handle.status === 'fulfilled') await handle.value.close();
      }),
    );
  }
}
