/**
 * The parsed form of a patch in Codex's apply_patch format.
 *
 * An update chunk keeps its lines as an ordered list of operations (context / add / remove) rather
 * than two flat lists, so that applying it can keep the file's own bytes for context lines (their
 * line endings and exact whitespace) and only write new text where the patch adds lines.
 */

export type ChunkLine = { op: 'context' | 'add' | 'remove'; text: string };

export interface UpdateChunk {
  /** `@@ <text>` anchors, outermost first (`@@ class Foo`, then `@@ def bar`); empty for a bare `@@`. */
  anchors: string[];
  lines: ChunkLine[];
  /** `*** End of File` closed the chunk: its old lines must be the file's last lines. */
  isEndOfFile: boolean;
  /** 1-based line of the patch where the chunk starts (its first `@@` or first line). */
  lineNumber: number;
}

export type PatchHunk =
  | { type: 'add'; path: string; contents: string; lineNumber: number }
  | { type: 'delete'; path: string; lineNumber: number }
  | { type: 'update'; path: string; movePath?: string; chunks: UpdateChunk[]; lineNumber: number };

export interface ParsedPatch {
  hunks: PatchHunk[];
  /** The patch text without any heredoc wrapper, lines joined with `\n`. */
  patch: string;
}

/**
 * A malformed patch. `kind` 'patch' is a problem with the envelope (first/last line); 'hunk' is a
 * problem at `lineNumber`. `message` is the full text shown to the model, worded as Codex words it.
 */
export interface PatchSyntaxError {
  kind: 'patch' | 'hunk';
  detail: string;
  lineNumber?: number;
  message: string;
}
