/** apply_patch: Codex's patch format, applied all-or-nothing under the shell's write policy. */
export type { CommitHooks } from './commit.js';
export { CommitError } from './commit.js';
export { type ApplyPatchOutcome, type ApplyPatchRequest, applyPatch, formatSummary } from './engine.js';
export { type ApplyPatchInvocation, extractApplyPatchInvocation } from './invocation.js';
export { type ParsePatchResult, parsePatch } from './parser.js';
export { type MatchLevel, seekSequence } from './seek.js';
export {
  APPLY_PATCH_FREEFORM_DESCRIPTION,
  APPLY_PATCH_JSON_DESCRIPTION,
  APPLY_PATCH_LARK_GRAMMAR,
  applyPatchFreeformSpec,
  applyPatchFunctionSpec,
} from './spec.js';
export { type PartialPatch, type PartialPatchFile, parsePartial, StreamingPatchParser } from './streaming.js';
export {
  type ApplyPatchArgs,
  type ApplyPatchToolOptions,
  createApplyPatchTool,
  parseApplyPatchInput,
  type RunApplyPatchOptions,
  runApplyPatch,
} from './tool.js';
export type { ChunkLine, ParsedPatch, PatchHunk, PatchSyntaxError, UpdateChunk } from './types.js';
