/**
 * `@` file mentions: the repository's files (`git ls-files`, or a bounded walk outside git) and a
 * fuzzy match of what was typed against them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectSystemError } from '../../protocol/errors.js';
import type { HostGit } from '../../sandbox/host-git.js';

/** Files a walk outside git lists at most. */
const WALK_LIMIT = 20_000;
const WALK_DEPTH = 12;
const SKIPPED_DIRS = new Set(['node_modules', 'target', 'dist', 'build', '__pycache__', 'venv', '.venv']);

/** The repository's files as `git ls-files` lists them from `cwd` (host git, see src/git/host-git.ts). */
export async function gitFiles(cwd: string, git: HostGit | undefined): Promise<string[] | undefined> {
  if (!git) return undefined;
  const listed = await git.run(['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    timeoutMs: 10_000,
  });
  return listed.code === 0 ? [...new Set(listed.stdout.split('\0').filter(Boolean))] : undefined;
}

/** Files under `root` (breadth first, hidden and build folders skipped), at most `limit`. */
export async function walkFiles(root: string, limit = WALK_LIMIT): Promise<string[]> {
  const files: string[] = [];
  let level: string[] = [''];
  for (let depth = 0; depth < WALK_DEPTH && level.length > 0 && files.length < limit; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(path.join(root, dir), { withFileTypes: true });
      } catch (err) {
        expectSystemError(err);
        continue;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) next.push(rel);
        } else if (entry.isFile()) {
          files.push(rel);
          if (files.length >= limit) return files;
        }
      }
    }
    level = next;
  }
  return files;
}

/** The files of one directory, listed once on first use. */
export class FileIndex {
  private loading: Promise<string[]> | undefined;

  constructor(
    private readonly cwd: string,
    /** The session's pinned repository, when there is one. */
    private readonly git?: HostGit,
  ) {}

  files(): Promise<string[]> {
    this.loading ??= gitFiles(this.cwd, this.git).then((files) => files ?? walkFiles(this.cwd));
    return this.loading;
  }
}

export interface FuzzyMatch {
  path: string;
  score: number;
  /** Indices in `path` that matched (for highlighting). */
  positions: number[];
}

/**
 * Scores `candidate` against `query` (a case-insensitive subsequence); undefined when it does not
 * match. Consecutive letters, matches at word starts and in the file name score higher; long paths
 * a little lower.
 */
function fuzzyScore(query: string, candidate: string): FuzzyMatch | undefined {
  if (query === '') return { path: candidate, score: -candidate.length, positions: [] };
  const q = query.toLowerCase();
  const c = candidate.toLowerCase();
  const baseStart = candidate.lastIndexOf('/') + 1;
  // The file name alone first (what people usually type), then the whole path.
  const inName = baseStart > 0 ? scoreFrom(q, c, baseStart, baseStart) : undefined;
  const inPath = scoreFrom(q, c, 0, baseStart);
  const best = !inName ? inPath : !inPath || inName.score >= inPath.score ? inName : inPath;
  if (!best) return undefined;
  return { path: candidate, score: best.score - candidate.length / 100, positions: best.positions };
}

const WORD_START = /[/_.\-\s]/;

function scoreFrom(
  q: string,
  c: string,
  start: number,
  baseStart: number,
): { score: number; positions: number[] } | undefined {
  const positions: number[] = [];
  let score = 0;
  let from = start;
  let previous = -2;
  for (const ch of q) {
    // Prefer the next occurrence that continues the run or starts a word, else the first one.
    let at = -1;
    for (let i = c.indexOf(ch, from); i >= 0; i = c.indexOf(ch, i + 1)) {
      if (at < 0) at = i;
      if (i === previous + 1 || i === 0 || WORD_START.test(c[i - 1]!)) {
        at = i;
        break;
      }
    }
    if (at < 0) return undefined;
    score += 1;
    if (at === previous + 1) score += 5;
    if (at === 0 || WORD_START.test(c[at - 1]!)) score += 3;
    if (at >= baseStart) score += 2;
    positions.push(at);
    previous = at;
    from = at + 1;
  }
  if (c.slice(baseStart).startsWith(q)) score += 10;
  return { score, positions };
}

export function fuzzyFind(query: string, candidates: readonly string[], limit = 8): FuzzyMatch[] {
  const matches: FuzzyMatch[] = [];
  for (const candidate of candidates) {
    const match = fuzzyScore(query, candidate);
    if (match) matches.push(match);
  }
  matches.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
  return matches.slice(0, limit);
}
