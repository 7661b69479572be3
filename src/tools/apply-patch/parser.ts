/**
 * Whole-text parser for the apply_patch format: checks the envelope, then reads the body with the
 * same line reader the streaming parser uses. Never throws; a malformed patch gives one error with
 * the line number, worded as Codex words it.
 */
import { BEGIN_PATCH, END_PATCH, HunkReader, HunkSyntaxError } from './hunk-reader.js';
import type { ParsedPatch, PatchSyntaxError } from './types.js';

type ParsePatchResult = { ok: true; value: ParsedPatch } | { ok: false; error: PatchSyntaxError };

const HEREDOC_STARTS = new Set(['<<EOF', "<<'EOF'", '<<"EOF"']);

/** Splits like Rust's `str::lines`: on `\n`, dropping one `\r` before it, no trailing empty line. */
function splitPatchLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function envelopeError(detail: string): PatchSyntaxError {
  return { kind: 'patch', detail, message: `Invalid patch: ${detail}` };
}

function checkEnvelope(lines: string[]): PatchSyntaxError | undefined {
  const first = lines[0]?.trim();
  const last = lines[lines.length - 1]?.trim();
  if (first === BEGIN_PATCH && last === END_PATCH && lines.length >= 2) return undefined;
  if (first !== undefined && first !== BEGIN_PATCH) {
    return envelopeError(`The first line of the patch must be '${BEGIN_PATCH}'`);
  }
  return envelopeError(`The last line of the patch must be '${END_PATCH}'`);
}

/**
 * Finds the patch's lines: as given, or inside a `<<'EOF'` … `EOF` wrapper (models sometimes pass the
 * heredoc itself as the argument).
 */
function envelopeLines(lines: string[]): { lines: string[] } | { error: PatchSyntaxError } {
  const error = checkEnvelope(lines);
  if (!error) return { lines };
  const first = lines[0];
  const last = lines[lines.length - 1];
  if (
    first !== undefined &&
    last !== undefined &&
    HEREDOC_STARTS.has(first) &&
    last.endsWith('EOF') &&
    lines.length >= 4
  ) {
    const inner = lines.slice(1, -1);
    const innerError = checkEnvelope(inner);
    return innerError ? { error: innerError } : { lines: inner };
  }
  return { error };
}

export function parsePatch(text: string): ParsePatchResult {
  const found = envelopeLines(splitPatchLines(text.trim()));
  if ('error' in found) return { ok: false, error: found.error };
  const { lines } = found;
  const reader = new HunkReader();
  try {
    // Line 1 is `*** Begin Patch`; the body starts on line 2.
    for (let i = 1; i < lines.length - 1; i++) reader.feed(lines[i] as string, i + 1);
    reader.end();
  } catch (err) {
    if (err instanceof HunkSyntaxError) {
      return {
        ok: false,
        error: { kind: 'hunk', detail: err.detail, lineNumber: err.lineNumber, message: err.message },
      };
    }
    throw err;
  }
  return { ok: true, value: { hunks: reader.hunks, patch: lines.join('\n') } };
}
