/**
 * Reads what a patch target holds before the patch, through the anchored directories
 * (anchored-fs.ts), so the read happens where the write policy looked and nowhere else.
 *
 * Only regular files are read, and only up to a size limit: a FIFO would block the read forever (and
 * Spool with it), a device or socket has no contents to patch, and a huge (or sparse) file would be
 * pulled whole into memory. The kind and the size come from `lstat` before anything is opened; the
 * file is then opened without following symlinks and without blocking, and `fstat` must show the
 * same regular file, so a swap between the two cannot slip a FIFO or a bigger file in.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import { DEFAULT_TOOL_LIMITS } from '../../config/tool-limits.js';
import { AnchorError, type AnchoredFs } from './anchored-fs.js';

/** Patch targets larger than this are refused unless configured otherwise (`apply_patch_max_file_bytes`). */
export const DEFAULT_MAX_FILE_BYTES = DEFAULT_TOOL_LIMITS.patchFileMaxBytes;

export type DiskState =
  | { kind: 'absent' }
  | { kind: 'directory' }
  /** Could not be looked at (permissions, a parent that is a file, a component swapped for a link). */
  | { kind: 'blocked'; error: unknown }
  /** Exists but is not something apply_patch edits: a special file, or over the size limit. */
  | { kind: 'refused'; reason: string }
  | { kind: 'file'; bytes: Buffer; mode: number };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function specialKind(stat: Stats): string | undefined {
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return undefined;
}

function tooLarge(size: number, maxBytes: number): DiskState {
  return {
    kind: 'refused',
    reason: `the file is ${size} bytes, over apply_patch's limit of ${maxBytes} bytes per file (apply_patch_max_file_bytes); edit it with a command instead`,
  };
}

const changed = (): DiskState => ({
  kind: 'blocked',
  error: new Error('the file changed while it was read'),
});

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The state of `realPath` (physical, absolute). With `followSymlink` false a symlink there is the
 * target itself (deleted or moved as a link); with it true the path was resolved when it was
 * checked, so a symlink found now holds no file of its own (it is replaced, never written through).
 */
export async function readTarget(
  anchors: AnchoredFs,
  realPath: string,
  followSymlink: boolean,
  maxBytes: number,
): Promise<DiskState> {
  let name: string;
  try {
    name = await anchors.locate(realPath);
  } catch (err) {
    if (err instanceof AnchorError && err.code === 'ENOENT') return { kind: 'absent' };
    const code = err instanceof AnchorError ? err.code : (err as NodeJS.ErrnoException).code;
    return { kind: 'blocked', error: Object.assign(new Error(String(err)), { code }) };
  }
  let stat: Stats;
  try {
    stat = await fs.lstat(name);
  } catch (err) {
    return isMissing(err) ? { kind: 'absent' } : { kind: 'blocked', error: err };
  }
  if (stat.isSymbolicLink()) {
    // A link that is itself the target (delete, move source) has no bytes of its own to show.
    return followSymlink
      ? { kind: 'absent' }
      : { kind: 'file', bytes: Buffer.alloc(0), mode: stat.mode & 0o7777 };
  }
  if (stat.isDirectory()) return { kind: 'directory' };
  const special = specialKind(stat);
  if (special) return { kind: 'refused', reason: `it is ${special}, not a regular file` };
  if (stat.size > maxBytes) return tooLarge(stat.size, maxBytes);

  let handle: fs.FileHandle;
  try {
    handle = await fs.open(name, OPEN_FLAGS);
  } catch (err) {
    return isMissing(err) ? { kind: 'absent' } : { kind: 'blocked', error: err };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== stat.ino || opened.dev !== stat.dev) {
      return changed();
    }
    if (opened.size > maxBytes) return tooLarge(opened.size, maxBytes);
    // Read at most one byte past the limit: a file that grows meanwhile is refused, not read whole.
    const buffer = Buffer.alloc(Math.min(opened.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      // More than fstat said: the file is growing; refuse rather than read a moving target.
      if (length === buffer.length) return length > maxBytes ? tooLarge(length, maxBytes) : changed();
    }
    return { kind: 'file', bytes: buffer.subarray(0, length), mode: opened.mode & 0o7777 };
  } catch (err) {
    return { kind: 'blocked', error: err };
  } finally {
    await handle.close();
  }
}
