/**
 * Findings checked against the repository: each must point at a file of the reviewed version (the
 * working tree, or the reviewed commit) and at lines that file has; paths become relative to the
 * repository's top; repeated findings are merged. What is dropped is said in a note.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReviewFinding, ReviewResult } from '../protocol/review.js';
import type { HostGit } from '../sandbox/host-git.js';

/** The files of the reviewed version. */
export interface FileSource {
  /** The repository's top directory (or the working directory outside one). */
  readonly root: string;
  /** Lines of `relative` (to the root) in the reviewed version; undefined when it is no file there. */
  lineCount(relative: string): Promise<number | undefined>;
}

/** Files larger than this are not read to count lines (any line is taken to exist). */
const MAX_READ_BYTES = 32 * 1024 * 1024;

function countLines(data: Buffer): number {
  if (data.length === 0) return 0;
  let lines = 0;
  for (const byte of data) if (byte === 0x0a) lines++;
  return data[data.length - 1] === 0x0a ? lines : lines + 1;
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return p;
    throw err;
  }
}

/** The working tree: files git tracks or would add (not ignored), read from disk inside the root. */
export async function worktreeSource(root: string, git: HostGit | undefined): Promise<FileSource> {
  let listed: Set<string> | undefined;
  if (git) {
    const run = await git.run(['ls-files', '--cached', '--others', '--exclude-standard', '-z']);
    if (run.code === 0) listed = new Set(run.stdout.split('\0').filter(Boolean));
  }
  const realRoot = realOrSelf(root);
  return {
    root,
    lineCount: async (relative) => {
      if (listed && !listed.has(relative)) return undefined;
      const file = path.join(realRoot, relative);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(file);
        // Only regular files inside the root (a symlink could lead anywhere).
        if (!stat.isFile() || path.relative(realRoot, realOrSelf(file)).startsWith('..')) return undefined;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw err;
      }
      if (stat.size > MAX_READ_BYTES) return Number.MAX_SAFE_INTEGER;
      return countLines(fs.readFileSync(file));
    },
  };
}

/** The tree of commit `sha`, read with git. */
export async function commitSource(git: HostGit, sha: string): Promise<FileSource> {
  const run = await git.run(['ls-tree', '-r', '-z', '--name-only', '--full-tree', sha]);
  const listed = new Set(run.code === 0 ? run.stdout.split('\0').filter(Boolean) : []);
  return {
    root: git.repository.workTree,
    lineCount: async (relative) => {
      if (!listed.has(relative)) return undefined;
      const blob = await git.run(['cat-file', 'blob', `${sha}:${relative}`], { maxBuffer: MAX_READ_BYTES });
      if (blob.code !== 0) return Number.MAX_SAFE_INTEGER;
      return countLines(Buffer.from(blob.stdout, 'utf8'));
    },
  };
}

/** Ways the reviewer may have written `raw`, as paths relative to the root (nearest first). */
function candidatePaths(raw: string, root: string, cwd: string): string[] {
  let p = raw.trim();
  if (p.startsWith('file://')) p = fileURLToPath(p);
  const roots = [...new Set([root, realOrSelf(root)])];
  const inside = (absolute: string) =>
    roots
      .map((r) => path.relative(r, absolute))
      .filter((rel) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel));
  if (path.isAbsolute(p)) return [...new Set([...inside(p), ...inside(realOrSelf(p))])];
  const fromRoot = path.normalize(p);
  const fromCwd = inside(path.resolve(cwd, p));
  return [...new Set([fromRoot, ...fromCwd])].filter((rel) => rel !== '.' && !rel.startsWith('..'));
}

const normal = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

function sameProblem(a: ReviewFinding, b: ReviewFinding): boolean {
  const ra = a.location.line_range;
  const rb = b.location.line_range;
  const overlap = ra.start <= rb.end && rb.start <= ra.end;
  return (
    a.location.path === b.location.path &&
    overlap &&
    (normal(a.title) === normal(b.title) || normal(a.body) === normal(b.body))
  );
}

/** Findings that point at real lines, relative paths, no repeats; and what was dropped, as notes. */
export async function checkFindings(
  result: ReviewResult,
  source: FileSource,
  cwd: string,
): Promise<{ result: ReviewResult; notes: string[] }> {
  const notes: string[] = [];
  const kept: ReviewFinding[] = [];
  for (const finding of result.findings) {
    const { path: given, line_range: range } = finding.location;
    let placed: { relative: string; lines: number } | undefined;
    for (const relative of candidatePaths(given, source.root, cwd)) {
      const lines = await source.lineCount(relative);
      if (lines !== undefined) {
        placed = { relative, lines };
        break;
      }
    }
    if (!placed) {
      notes.push(
        `Dropped "${finding.title}": ${given} is not a file of the reviewed version of the repository.`,
      );
      continue;
    }
    if (range.end > placed.lines) {
      notes.push(
        `Dropped "${finding.title}": ${placed.relative} has ${placed.lines} lines, so lines ${range.start}–${range.end} do not exist.`,
      );
      continue;
    }
    const checked = { ...finding, location: { path: placed.relative, line_range: range } };
    const twin = kept.findIndex((other) => sameProblem(other, checked));
    if (twin >= 0) {
      const other = kept[twin]!;
      // The more severe of the two stays, where the first one was.
      if (checked.priority < other.priority) kept[twin] = checked;
      notes.push(
        `Merged "${checked.title}" into "${kept[twin]!.title}": the same problem at the same place.`,
      );
      continue;
    }
    kept.push(checked);
  }
  return { result: { ...result, findings: kept }, notes };
}
