/**
 * What of the session's git repository must stay read-only to sandboxed commands and patches: the
 * enclosing repository's `.git` entry and git directories (also when the cwd is below the work
 * tree's top, and where a `.git` file or symlink leads), its hooks directory, and the configuration
 * files it reads (see config-references.ts), when they lie inside a writable root. The sandbox's
 * write policy (src/sandbox/write-policy.ts) adds these to its protected paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectSystemError } from '../protocol/errors.js';
import { gitConfigReferences } from './config-references.js';
import { discoverRepository } from './repository.js';

function within(target: string, dir: string): boolean {
  return target === dir || target.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

function physical(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch (err) {
    // Not there (a hooks directory to be): its parent resolved, the name kept.
    expectSystemError(err);
  }
  try {
    return path.join(fs.realpathSync.native(path.dirname(p)), path.basename(p));
  } catch (err) {
    expectSystemError(err);
    return path.resolve(p);
  }
}

interface GitProtectedPath {
  path: string;
  /** For messages: '.git' or 'git configuration'. */
  name: string;
}

export function gitProtectedPaths(
  cwd: string,
  writableRoots: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): GitProtectedPath[] {
  const repo = discoverRepository(cwd);
  if (!repo) return [];
  const candidates: GitProtectedPath[] = [
    // The entry itself (its parent resolved: a `.git` symlink is the link, its target comes next).
    { path: path.join(physical(path.dirname(repo.dotGit)), '.git'), name: '.git' },
    { path: repo.gitDir, name: '.git' },
    { path: repo.commonDir, name: '.git' },
    ...gitConfigReferences(repo, env).map((p) => ({ path: physical(p), name: 'git configuration' })),
  ];
  const seen = new Set<string>();
  return candidates.filter((entry) => {
    if (seen.has(entry.path) || !writableRoots.some((root) => within(entry.path, root))) return false;
    seen.add(entry.path);
    return true;
  });
}
