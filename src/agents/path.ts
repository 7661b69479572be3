/**
 * Agent paths: the root is `/root`, a child `/root/<task_name>`, a grandchild
 * `/root/<task>/<sub>`. Segments are `[a-z0-9_]`; a target without a leading `/` resolves against
 * the caller's path (`..` goes up). Pure functions.
 */

export const ROOT_PATH = '/root';
const SEGMENT = /^[a-z0-9_]{1,64}$/;

function isValidSegment(name: string): boolean {
  return SEGMENT.test(name);
}

export function childPath(parent: string, name: string): string {
  return `${parent}/${name}`;
}

/** Depth in the tree: the root is 0. */
export function depthOf(path: string): number {
  return path.split('/').length - 2;
}

/** Whether `path` is `ancestor` or below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** Resolves `target` against the caller's path; an error message when it is not a valid path. */
export function resolveTarget(
  caller: string,
  target: string,
): { ok: true; path: string } | { ok: false; error: string } {
  const text = target.trim();
  if (text === '') return { ok: false, error: 'target is empty: give an agent path such as /root/worker_a.' };
  const absolute = text.startsWith('/');
  const segments = absolute ? [] : caller.slice(1).split('/');
  const parts = (absolute ? text.slice(1) : text).split('/').filter((part) => part !== '' && part !== '.');
  for (const part of parts) {
    if (part === '..') {
      if (segments.length <= 1) return { ok: false, error: `target "${target}" goes above /root.` };
      segments.pop();
      continue;
    }
    if (!isValidSegment(part))
      return {
        ok: false,
        error: `target "${target}" is not an agent path: segments are lowercase letters, digits and _ (e.g. /root/worker_a).`,
      };
    segments.push(part);
  }
  if (segments[0] !== 'root')
    return { ok: false, error: `target "${target}" is not in this tree: paths start at /root.` };
  return { ok: true, path: `/${segments.join('/')}` };
}
