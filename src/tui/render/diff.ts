/**
 * Unified diffs (a file change's, or `git diff`'s) as coloured terminal lines: additions green,
 * removals red, with the line number in a gutter; file headers in bold; long diffs cut with a count.
 */
import { visibleText } from '../../text/terminal-safe.js';
import type { Style } from '../terminal/ansi.js';
import { hardWrapSpans, type Span } from '../terminal/width.js';

const ADDED: Style = { fg: 'green' };
const REMOVED: Style = { fg: 'red' };
const GUTTER: Style = { dim: true };

interface DiffStats {
  added: number;
  removed: number;
}

export function diffStats(diff: string): DiffStats {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}

interface DiffRenderOptions {
  /** Lines before the diff is cut (a count of the rest is shown). */
  maxLines?: number;
  /** Spaces before every line. */
  indent?: number;
  /** Show `diff --git` file headers (multi-file diffs). */
  fileHeaders?: boolean;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function renderDiff(diff: string, width: number, options: DiffRenderOptions = {}): string[] {
  const indent = ' '.repeat(options.indent ?? 0);
  const out: string[] = [];
  const source = diff.replace(/\n$/, '').split('\n');
  const max = options.maxLines ?? Number.POSITIVE_INFINITY;
  let oldLine = 0;
  let newLine = 0;
  let shown = 0;
  let hidden = 0;
  /** Lines shown of the current file (a `⋮` separates its hunks, not a hunk from its header). */
  let inFile = 0;
  const emit = (gutter: string, sign: string, text: string, style: Style | undefined) => {
    if (shown >= max) {
      hidden++;
      return;
    }
    shown++;
    inFile++;
    const first: Span[] = [
      { text: indent },
      { text: gutter, style: GUTTER },
      { text: sign, ...(style ? { style } : {}) },
    ];
    const rest: Span[] = [{ text: indent + ' '.repeat(gutter.length + sign.length) }];
    // The content exactly (a `\r` or an escape in a file is shown, not obeyed); tabs as spaces, and
    // a CRLF line's final `\r` (it hides nothing) left out.
    const shownText = visibleText(text.replace(/\r$/, '').replace(/\t/g, '    '));
    out.push(...hardWrapSpans([{ text: shownText, ...(style ? { style } : {}) }], width, { first, rest }));
  };
  for (const line of source) {
    if (line.startsWith('diff --git ')) {
      if (options.fileHeaders) {
        const name = / b\/(.*)$/.exec(line)?.[1] ?? line.slice('diff --git '.length);
        inFile = 0;
        if (shown < max) {
          out.push(`${indent}\x1b[1m${visibleText(name)}\x1b[0m`);
          shown++;
        } else hidden++;
      }
      continue;
    }
    if (
      /^(index |--- |\+\+\+ |new file mode|deleted file mode|similarity index|rename (from|to) |old mode|new mode)/.test(
        line,
      )
    )
      continue;
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      if (inFile > 0 && shown < max) {
        out.push(`${indent}\x1b[2m⋮\x1b[0m`);
        shown++;
      }
      continue;
    }
    if (line.startsWith('\\')) continue;
    if (line.startsWith('+')) {
      emit(`${String(newLine).padStart(4)} `, '+', line.slice(1), ADDED);
      newLine++;
    } else if (line.startsWith('-')) {
      emit(`${String(oldLine).padStart(4)} `, '-', line.slice(1), REMOVED);
      oldLine++;
    } else if (line.startsWith(' ') || line === '') {
      emit(`${String(newLine).padStart(4)} `, ' ', line.slice(1), undefined);
      oldLine++;
      newLine++;
    } else if (options.fileHeaders) {
      // `git diff` output for binary files and the like.
      emit('', '', line, { dim: true });
    }
  }
  if (hidden > 0) out.push(`${indent}\x1b[2m… ${hidden} more diff line${hidden === 1 ? '' : 's'}\x1b[0m`);
  return out;
}
