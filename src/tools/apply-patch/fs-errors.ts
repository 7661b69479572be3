/**
 * File-system error text in the form Codex's messages carry (Rust's io::Error display), e.g.
 * "No such file or directory (os error 2)", so the model sees the wording it was trained on.
 */
import os from 'node:os';

const DESCRIPTIONS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EEXIST: 'File exists',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EBUSY: 'Device or resource busy',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EXDEV: 'Invalid cross-device link',
  ENOTEMPTY: 'Directory not empty',
};

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (!code) return e instanceof Error ? e.message : String(err);
  const number = (os.constants.errno as Record<string, number | undefined>)[code];
  const text = DESCRIPTIONS[code] ?? code;
  return number === undefined ? text : `${text} (os error ${number})`;
}
