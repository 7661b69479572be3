/**
 * Applies an `*** Update File` hunk's chunks to a file's text, in memory.
 *
 * Semantics follow Codex (lib.rs `compute_replacements`): each chunk's `@@` anchors are found in
 * order, then its old lines are found at or after that point (the next chunk searches after this
 * one); a chunk with no old lines appends at the end of the file (before a final blank line); a
 * chunk whose old lines end in an empty line is retried without it. Spool keeps the file's own bytes
 * for context lines (Codex rewrites them from the patch), gives added lines the file's first line
 * ending, and ends the file with a newline.
 */
import { findClosestRegion, formatRegion } from './closest.js';
import { type MatchLevel, seekSequence } from './seek.js';
import { joinSourceLines, type SourceLine, splitSourceLines } from './text-lines.js';
import type { ChunkLine, UpdateChunk } from './types.js';

/** Lines that changed: source lines [oldStart, oldEnd) became output lines [newStart, newEnd). */
export interface ChangedRegion {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

type UpdateResult =
  | { ok: true; content: string; levels: MatchLevel[]; regions: ChangedRegion[] }
  | { ok: false; error: string };

interface Replacement {
  start: number;
  oldLength: number;
  lines: ChunkLine[];
}

function oldTexts(lines: readonly ChunkLine[]): string[] {
  const out: string[] = [];
  for (const line of lines) if (line.op !== 'add') out.push(line.text);
  return out;
}

/** The chunk's lines without its last old line (an empty one), as Codex retries them. */
function withoutTrailingEmptyOldLine(lines: readonly ChunkLine[]): ChunkLine[] | undefined {
  let lastOld = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if ((lines[i] as ChunkLine).op !== 'add') {
      lastOld = i;
      break;
    }
  }
  const dropped = lines[lastOld];
  if (dropped?.text !== '') return undefined;
  const out = lines.filter((_, i) => i !== lastOld);
  // Codex also drops a final empty new line; for a dropped removed line that is a trailing empty `+` line.
  const tail = out[out.length - 1];
  if (dropped.op === 'remove' && tail?.op === 'add' && tail.text === '') out.pop();
  return out;
}

function notFoundHint(
  texts: readonly string[],
  pattern: readonly string[],
  searchedFrom: number,
  eof: boolean,
  path: string,
): string {
  const region = findClosestRegion(texts, pattern);
  if (!region) return `\n\nNo similar lines were found in ${path}; read the file again before retrying.`;
  const first = region.index + 1;
  const last = region.index + Math.min(pattern.length, texts.length - region.index);
  if (region.equalLines === pattern.length) {
    if (eof && last !== texts.length) {
      return `\n\nThese lines are at lines ${first}-${last} of ${path}, but the chunk is marked '*** End of File' and they are not the last lines of the file.`;
    }
    if (region.index < searchedFrom) {
      return `\n\nThese lines are at lines ${first}-${last} of ${path}, before the place an earlier @@ context or chunk matched (line ${searchedFrom}); chunks must follow the order of the file.`;
    }
  }
  const span = first === last ? `line ${first}` : `lines ${first}-${last}`;
  return `\n\nThe closest match in ${path} is ${span}, which currently reads:\n${formatRegion(texts, region.index, pattern.length)}`;
}

export function applyChunks(content: string, chunks: readonly UpdateChunk[], path: string): UpdateResult {
  const source = splitSourceLines(content);
  const texts = source.lines.map((line) => line.text);
  const replacements: Replacement[] = [];
  const levels: MatchLevel[] = [];
  let lineIndex = 0;

  for (const chunk of chunks) {
    for (const anchor of chunk.anchors) {
      const found = seekSequence(texts, [anchor], lineIndex, false);
      if (!found) {
        return {
          ok: false,
          error: `Failed to find context '${anchor}' in ${path}${notFoundHint(texts, [anchor], lineIndex, false, path)}`,
        };
      }
      lineIndex = found.index + 1;
    }

    let lines = chunk.lines;
    let pattern = oldTexts(lines);
    if (pattern.length === 0) {
      const last = texts[texts.length - 1];
      const at = last === '' ? texts.length - 1 : texts.length;
      replacements.push({ start: at, oldLength: 0, lines });
      continue;
    }
    let found = seekSequence(texts, pattern, lineIndex, chunk.isEndOfFile);
    if (!found) {
      const retry = withoutTrailingEmptyOldLine(lines);
      if (retry) {
        lines = retry;
        pattern = oldTexts(lines);
        found = seekSequence(texts, pattern, lineIndex, chunk.isEndOfFile);
      }
    }
    if (!found) {
      const wanted = oldTexts(chunk.lines);
      return {
        ok: false,
        error: `Failed to find expected lines in ${path}:\n${wanted.join('\n')}${notFoundHint(texts, wanted, lineIndex, chunk.isEndOfFile, path)}`,
      };
    }
    levels.push(found.level);
    replacements.push({ start: found.index, oldLength: pattern.length, lines });
    lineIndex = found.index + pattern.length;
  }

  replacements.sort((a, b) => a.start - b.start);
  const out: SourceLine[] = [];
  const regions: ChangedRegion[] = [];
  const last = source.lines.length - 1;
  let cursor = 0;
  const copyUntil = (end: number) => {
    for (; cursor < end; cursor++) {
      // An unterminated last line gets a newline: that is a change too.
      if (cursor === last && source.lines[cursor]?.eol === '') {
        regions.push({ oldStart: cursor, oldEnd: cursor + 1, newStart: out.length, newEnd: out.length + 1 });
      }
      out.push(source.lines[cursor] as SourceLine);
    }
  };
  for (const replacement of replacements) {
    // Overlapping replacements cannot occur (each search starts after the previous match), except
    // an end-of-file insertion, which sorts after what precedes it.
    copyUntil(replacement.start);
    const newStart = out.length;
    let old = replacement.start;
    for (const line of replacement.lines) {
      if (line.op === 'context') out.push(source.lines[old++] as SourceLine);
      else if (line.op === 'remove') old++;
      else out.push({ text: line.text, eol: source.preferredEol });
    }
    const oldStart = Math.max(cursor, replacement.start);
    cursor = Math.max(cursor, replacement.start + replacement.oldLength);
    regions.push({ oldStart, oldEnd: cursor, newStart, newEnd: out.length });
  }
  copyUntil(source.lines.length);
  return { ok: true, content: joinSourceLines(source.bom, out, source.preferredEol), levels, regions };
}
