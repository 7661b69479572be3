/** Unified diffs of planned changes, for UIs (`file_change` items). */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { PlannedChange } from './plan.js';

/** Bounds the diff's cost on pathological inputs; the change itself is unaffected. */
const DIFF_TIMEOUT_MS = 2_000;

export function unifiedDiff(change: PlannedChange): string {
  const oldName = change.kind === 'add' ? '/dev/null' : `a/${change.displayPath}`;
  const newName =
    change.kind === 'delete' ? '/dev/null' : `b/${change.displayMovePath ?? change.displayPath}`;
  const patch = createTwoFilesPatch(oldName, newName, change.before, change.after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
    timeout: DIFF_TIMEOUT_MS,
  });
  if (patch === undefined) return `--- ${oldName}\n+++ ${newName}\n(diff too large to compute)\n`;
  // jsdiff separates the (empty) header timestamp with a tab: drop it.
  return patch.replace(/^(--- [^\n]*?)\t\n(\+\+\+ [^\n]*?)\t\n/, '$1\n$2\n');
}
