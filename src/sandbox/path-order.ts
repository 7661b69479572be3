/**
 * The order of sandbox mounts: parents before children (fewer path components first), so a deeper
 * mount is never hidden by a shallower one. Paths of equal depth are never parent and child, so
 * their order only has to be deterministic: it is plain UTF-16 code-unit order, not
 * `localeCompare`, which would start ICU's collator on the first sandboxed command and would make
 * the argv depend on the process's locale.
 */
import path from 'node:path';

export function byDepthThenCodeUnits(a: string, b: string): number {
  const depth = a.split(path.sep).length - b.split(path.sep).length;
  if (depth !== 0) return depth;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
