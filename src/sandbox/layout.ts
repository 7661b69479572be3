/**
 * What a platform sandbox must enforce for one command, read from the disk once: the writable
 * roots that exist, the protected paths inside them that exist (to be made read-only again) and
 * those that do not (to be made uncreatable), and the Spool home.
 *
 * Everything comes from the write policy (`buildWritePolicy`), so the shell sandbox and apply_patch
 * judge paths from the same roots and the same protected names. One difference is structural: a
 * mount sandbox protects the names at the top of each writable root (and a `gitdir:` target), not
 * a `.git` nested deeper inside a root, which apply_patch refuses too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { onSystemError } from '../protocol/errors.js';
import { byDepthThenCodeUnits } from './path-order.js';
import { isWithin, type WritePolicy } from './write-policy.js';

interface SandboxLayout {
  /** Writable roots that exist (absolute, physical), outermost first. */
  writableRoots: string[];
  /** Existing protected paths inside a writable root, and the Spool home where it overlaps one. */
  readOnlyPaths: string[];
  /** Protected paths inside a writable root that do not exist yet (their parent does), or are empty directories. */
  blockedPaths: string[];
  /** Directories hidden entirely (nothing in them readable): the Spool home. */
  maskedPaths: string[];
  /** For profile-based sandboxes: per writable root, every path inside it that must stay read-only. */
  excludedByRoot: Array<{ root: string; excluded: string[] }>;
  /** The Spool home (absolute, physical). */
  spoolHome: string;
}

type Kind = 'directory' | 'file' | 'symlink' | 'missing' | 'other';

async function kindOf(p: string): Promise<Kind> {
  try {
    const stat = await fs.lstat(p);
    if (stat.isSymbolicLink()) return 'symlink';
    if (stat.isDirectory()) return 'directory';
    return stat.isFile() ? 'file' : 'other';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
  }
}

function uniqueByDepth(paths: Iterable<string>): string[] {
  return [...new Set(paths)].sort(byDepthThenCodeUnits);
}

/**
 * Reads the layout for `policy` (workspace-write; read-only gives no roots). When the Spool home
 * does not exist, it is created, so the sandbox can cover it: a home created from inside the
 * sandbox would be an escalation (its config is trusted), and one created later would be readable.
 */
export async function readSandboxLayout(
  policy: WritePolicy,
  /** More existing paths to keep read-only where they are inside a root (Spool's own state). */
  alsoReadOnly: readonly string[] = [],
): Promise<SandboxLayout> {
  const rootKinds = await Promise.all(policy.writableRoots.map(kindOf));
  const writableRoots = uniqueByDepth(policy.writableRoots.filter((_, i) => rootKinds[i] === 'directory'));
  const inRoot = (p: string) => writableRoots.some((root) => isWithin(p, root));

  const readOnly = new Set<string>();
  const blocked = new Set<string>();
  const entries = policy.protectedPaths.filter((entry) => inRoot(entry.path));
  const kinds = await Promise.all(
    entries.map(async (entry) => {
      const kind = await kindOf(entry.path);
      const parent = kind === 'missing' ? await kindOf(path.dirname(entry.path)) : undefined;
      // Unreadable counts as empty: most often it was removed just now (another sandbox's mount point).
      const empty =
        kind === 'directory' && (await fs.readdir(entry.path).catch(onSystemError([]))).length === 0;
      return { kind, parent, empty };
    }),
  );
  entries.forEach((entry, i) => {
    const { kind, parent, empty } = kinds[i] as { kind: Kind; parent: Kind | undefined; empty: boolean };
    // A symlinked entry cannot carry a mount; its resolved target is in the list as well. An empty
    // directory may be another sandbox's mount point, removed when that sandbox ends: it is
    // blocked (and leased) like a missing name, so its removal cannot break this sandbox's setup.
    if (kind === 'file' || (kind === 'directory' && !empty)) readOnly.add(entry.path);
    else if (kind === 'directory' || (kind === 'missing' && parent === 'directory')) blocked.add(entry.path);
  });

  for (const p of alsoReadOnly) if (inRoot(p) && (await kindOf(p)) === 'directory') readOnly.add(p);
  // Inside a read-only bind nothing can be created or written, so a name blocked there is already
  // safe — and bwrap could not make its mount point (a `.git` without `hooks/`: the hooks directory
  // is blocked, but `.git` is read-only by the time its mount point would be made).
  for (const p of [...blocked])
    if ([...readOnly].some((ro) => ro !== p && isWithin(p, ro))) blocked.delete(p);

  // The Spool home (config, credentials, rules, sessions) is hidden from every sandbox, wherever it
  // is; it is created first when missing, so a sandbox can neither read nor plant one.
  const home = policy.spoolHome;
  const masked: string[] = [];
  if ((await kindOf(home)) === 'missing')
    await fs.mkdir(home, { recursive: true, mode: 0o700 }).catch(onSystemError(undefined));
  if ((await kindOf(home)) === 'directory') {
    masked.push(home);
    for (const p of [...readOnly]) if (isWithin(p, home)) readOnly.delete(p);
    for (const p of [...blocked]) if (isWithin(p, home)) blocked.delete(p);
  } else if (writableRoots.some((root) => isWithin(home, root) || isWithin(root, home))) {
    // Not a directory (a file, a dangling link): at least nothing may replace it.
    readOnly.add(home);
  }

  const excludedByRoot = writableRoots
    .filter((root) => !isWithin(root, home))
    .map((root) => ({
      root,
      excluded: uniqueByDepth(
        [...policy.protectedPaths.map((entry) => entry.path), home].filter(
          (p) => isWithin(p, root) && p !== root,
        ),
      ),
    }));

  return {
    writableRoots,
    readOnlyPaths: uniqueByDepth(readOnly),
    blockedPaths: uniqueByDepth(blocked),
    maskedPaths: masked,
    excludedByRoot,
    spoolHome: home,
  };
}
