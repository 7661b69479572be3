/**
 * The apply_patch engine: parse → verify every hunk in memory (paths checked against the write
 * policy) → commit all-or-nothing. Every way in (custom tool, function tool, intercepted shell
 * command, CLI) ends here.
 */
import path from 'node:path';
import type { FileChange } from '../../protocol/events.js';
import type { WritePolicy } from '../../sandbox/write-policy.js';
import { type AnchoredFs, openAnchoredFs } from './anchored-fs.js';
import { CommitError, type CommitHooks, commitOperations } from './commit.js';
import { unifiedDiff } from './diff.js';
import { parsePatch } from './parser.js';
import { type PlannedChange, planPatch } from './plan.js';
import type { PatchHunk } from './types.js';

interface ApplyPatchRequest {
  /** The patch text (a heredoc wrapper is tolerated). */
  patch: string;
  /** Directory relative patch paths are resolved against (absolute). */
  cwd: string;
  policy: WritePolicy;
  /** Targets larger than this are refused before they are read (default 16 MiB). */
  maxFileBytes?: number;
  signal?: AbortSignal;
  hooks?: CommitHooks;
  /**
   * Called once the patch has parsed, before anything is written: with diffs when every hunk
   * verified, without them when verification failed.
   */
  onChanges?: (changes: FileChange[]) => void;
}

type ApplyPatchOutcome =
  | { status: 'applied'; output: string; changes: FileChange[] }
  /** The patch did not parse: nothing is known about its files. */
  | { status: 'invalid'; output: string }
  /** It parsed but did not apply (or was refused); no file was changed. */
  | { status: 'failed'; output: string; changes: FileChange[] };

/** A patch with no file sections: an error, so a model never reads "nothing to do" as done. */
const EMPTY_PATCH =
  'Invalid patch: empty patch (it has no *** Add File, *** Delete File or *** Update File section). No file was changed.';

const NOTHING_CHANGED =
  'The patch was not applied and no file was changed; fix it and send the whole patch again.';

function hunkChanges(hunks: readonly PatchHunk[], cwd: string): FileChange[] {
  return hunks.map((hunk) => {
    const change: FileChange = { path: path.resolve(cwd, hunk.path), kind: hunk.type };
    if (hunk.type === 'update' && hunk.movePath !== undefined)
      change.move_path = path.resolve(cwd, hunk.movePath);
    return change;
  });
}

export function plannedChanges(planned: readonly PlannedChange[]): FileChange[] {
  return planned.map((p) => {
    const change: FileChange = { path: p.absPath, kind: p.kind };
    if (p.absMovePath !== undefined) change.move_path = p.absMovePath;
    change.diff = unifiedDiff(p);
    return change;
  });
}

/** Codex's success text: `A`/`M`/`D` lines, paths as written in the patch. */
function formatSummary(summary: { added: string[]; modified: string[]; deleted: string[] }): string {
  const lines = ['Success. Updated the following files:'];
  for (const p of summary.added) lines.push(`A ${p}`);
  for (const p of summary.modified) lines.push(`M ${p}`);
  for (const p of summary.deleted) lines.push(`D ${p}`);
  return `${lines.join('\n')}\n`;
}

export async function applyPatch(request: ApplyPatchRequest): Promise<ApplyPatchOutcome> {
  const parsed = parsePatch(request.patch);
  if (!parsed.ok) return { status: 'invalid', output: parsed.error.message };
  const { hunks } = parsed.value;
  if (hunks.length === 0) return { status: 'invalid', output: EMPTY_PATCH };
  const anchors = openAnchoredFs();
  try {
    return await planAndCommit(request, hunks, anchors);
  } finally {
    await anchors.close();
  }
}

async function planAndCommit(
  request: ApplyPatchRequest,
  hunks: readonly PatchHunk[],
  anchors: AnchoredFs,
): Promise<ApplyPatchOutcome> {
  const planned = await planPatch(hunks, request.cwd, request.policy, {
    anchors,
    ...(request.maxFileBytes === undefined ? {} : { maxFileBytes: request.maxFileBytes }),
  });
  if (!planned.ok) {
    const changes = hunkChanges(hunks, request.cwd);
    request.onChanges?.(changes);
    // Codex applies hunks one by one and leaves earlier ones applied; say plainly that Spool did not,
    // so a model used to Codex resends the whole patch rather than only the failed part.
    return { status: 'failed', output: `${planned.error}\n\n${NOTHING_CHANGED}`, changes };
  }
  const changes = plannedChanges(planned.plan.changes);
  request.onChanges?.(changes);
  if (request.signal?.aborted) {
    return { status: 'failed', output: 'apply_patch was interrupted before any file was changed.', changes };
  }
  try {
    await commitOperations(planned.plan.operations, anchors, request.hooks);
  } catch (err) {
    if (err instanceof CommitError) return { status: 'failed', output: err.message, changes };
    throw err;
  }
  return { status: 'applied', output: formatSummary(planned.plan.summary), changes };
}
