/**
 * Which lines of which files a unified diff shows: per file (its new path), the hunks' new-side line
 * ranges and the lines each hunk shows on that side (added and context). GitHub accepts inline
 * review comments only on lines the pull request's diff shows. Pure.
 */

export interface DiffHunk {
  /** New-side lines the hunk shows (added or unchanged context), ascending. */
  lines: number[];
}

export interface DiffFile {
  /** New path, relative to the repository's top (undefined for a deleted file). */
  path: string | undefined;
  oldPath: string | undefined;
  hunks: DiffHunk[];
}

/** A path in a `---`/`+++` line: `a/x`, `b/x`, `/dev/null`, or git's C-quoted form. */
function headerPath(raw: string): string | undefined {
  let text = raw.replace(/\t.*$/, '');
  if (text.startsWith('"') && text.endsWith('"')) text = unquote(text.slice(1, -1));
  if (text === '/dev/null') return undefined;
  return text.replace(/^[ab]\//, '');
}

/** git's C-style quoting (`\t`, `\"`, `\\`, octal bytes). */
function unquote(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[++i] ?? '';
    const octal = /^[0-7]{3}/.exec(text.slice(i));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 2;
    } else {
      const escapes: Record<string, string> = {
        t: '\t',
        n: '\n',
        '"': '"',
        '\\': '\\',
        a: '\x07',
        b: '\b',
        f: '\f',
        r: '\r',
        v: '\v',
      };
      bytes.push(...Buffer.from(escapes[next] ?? next, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let hunk: DiffHunk | undefined;
  let next = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of diff.split('\n')) {
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const mark = line[0];
      if (mark === '+') {
        hunk.lines.push(next++);
        newLeft--;
        continue;
      }
      if (mark === '-') {
        oldLeft--;
        continue;
      }
      if (mark === ' ' || line === '') {
        hunk.lines.push(next++);
        newLeft--;
        oldLeft--;
        continue;
      }
      if (mark === '\\') continue;
    }
    if (line.startsWith('diff --git ')) {
      file = { path: undefined, oldPath: undefined, hunks: [] };
      files.push(file);
      hunk = undefined;
    } else if (line.startsWith('--- ') && file && !hunk) {
      file.oldPath = headerPath(line.slice(4));
    } else if (line.startsWith('+++ ') && file && !hunk) {
      file.path = headerPath(line.slice(4));
    } else if (line.startsWith('@@ ') && file) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      newLeft = m[4] === undefined ? 1 : Number(m[4]);
      next = Number(m[3]);
      hunk = { lines: [] };
      file.hunks.push(hunk);
    } else if (line === '\\ No newline at end of file') {
      // belongs to the previous line
    }
  }
  return files.filter((f) => f.path !== undefined || f.oldPath !== undefined);
}

/**
 * Where a finding on `path` lines start–end can be shown in the diff: the hunk that overlaps it
 * most, clamped to the lines that hunk shows. Undefined when the diff shows none of those lines.
 */
export function placeInDiff(
  files: readonly DiffFile[],
  path: string,
  start: number,
  end: number,
): { start: number; end: number } | undefined {
  const file = files.find((f) => f.path === path);
  if (!file) return undefined;
  let best: { start: number; end: number; overlap: number } | undefined;
  for (const hunk of file.hunks) {
    const shown = hunk.lines.filter((n) => n >= start && n <= end);
    if (shown.length === 0) continue;
    if (!best || shown.length > best.overlap)
      best = { start: shown[0]!, end: shown[shown.length - 1]!, overlap: shown.length };
  }
  return best && { start: best.start, end: best.end };
}
