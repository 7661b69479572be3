/**
 * Unified diffs of planned changes, for UIs (`file_change` items).
 *
 * For an update the engine knows which lines changed, so only small windows around those regions
 * are diffed (with jsdiff) and their hunks shifted into place: diffing a whole 1 MB file would cost
 * far more than applying the patch.
 */
import { FILE_HEADERS_ONLY, formatPatch, type StructuredPatchHunk, structuredPatch } from 'diff';
import type { PlannedChange } from './plan.js';
import type { ChangedRegion } from './update.js';

const CONTEXT = 3;
/** Bounds a whole-file diff's cost on pathological inputs; the change itself is unaffected. */
const DIFF_TIMEOUT_MS = 2_000;
const LINE = /[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$/g;

function linesWithEndings(text: string): string[] {
  return text.match(LINE) ?? [];
}

interface Window {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** Regions widened by the context lines, merged where they touch (lines between are unchanged). */
function windowsOf(regions: readonly ChangedRegion[], oldCount: number, newCount: number): Window[] {
  const windows: Window[] = [];
  for (const region of regions) {
    const before = Math.min(CONTEXT, region.oldStart, region.newStart);
    const after = Math.min(CONTEXT, oldCount - region.oldEnd, newCount - region.newEnd);
    const window = {
      oldStart: region.oldStart - before,
      oldEnd: region.oldEnd + after,
      newStart: region.newStart - before,
      newEnd: region.newEnd + after,
    };
    const previous = windows[windows.length - 1];
    if (previous && window.oldStart <= previous.oldEnd) {
      previous.oldEnd = Math.max(previous.oldEnd, window.oldEnd);
      previous.newEnd = Math.max(previous.newEnd, window.newEnd);
    } else {
      windows.push(window);
    }
  }
  return windows;
}

function windowedHunks(
  before: string,
  after: string,
  regions: readonly ChangedRegion[],
): StructuredPatchHunk[] {
  const oldLines = linesWithEndings(before);
  const newLines = linesWithEndings(after);
  const hunks: StructuredPatchHunk[] = [];
  for (const w of windowsOf(regions, oldLines.length, newLines.length)) {
    const oldText = oldLines.slice(w.oldStart, w.oldEnd).join('');
    const newText = newLines.slice(w.newStart, w.newEnd).join('');
    for (const hunk of structuredPatch('', '', oldText, newText, '', '', { context: CONTEXT }).hunks) {
      hunks.push({ ...hunk, oldStart: hunk.oldStart + w.oldStart, newStart: hunk.newStart + w.newStart });
    }
  }
  return hunks;
}

export function unifiedDiff(change: PlannedChange): string {
  const oldName = change.kind === 'add' ? '/dev/null' : `a/${change.displayPath}`;
  const newName =
    change.kind === 'delete' ? '/dev/null' : `b/${change.displayMovePath ?? change.displayPath}`;
  let hunks: StructuredPatchHunk[] | undefined;
  if (change.regions) {
    hunks = windowedHunks(change.before, change.after, change.regions);
  } else {
    hunks = structuredPatch(oldName, newName, change.before, change.after, '', '', {
      context: CONTEXT,
      timeout: DIFF_TIMEOUT_MS,
    })?.hunks;
  }
  if (hunks === undefined) return `--- ${oldName}\n+++ ${newName}\n(diff too large to compute)\n`;
  const text = formatPatch(
    { oldFileName: oldName, newFileName: newName, oldHeader: '', newHeader: '', hunks },
    FILE_HEADERS_ONLY,
  );
  // jsdiff separates the (empty) header timestamp with a tab: drop it.
  return text.replace(/^(--- [^\n]*?)\t\n(\+\+\+ [^\n]*?)\t\n/, '$1\n$2\n');
}
