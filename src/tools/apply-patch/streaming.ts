/**
 * Incremental parsing for progress display: a UI feeds the patch text as the model writes it and
 * shows the files (and how many lines each adds and removes) before the patch is complete.
 *
 * Only complete lines are read, so a path is shown once its header line has ended. Progress output
 * must never be used to apply a patch: the final text goes through `parsePatch` and the engine.
 */
import { BEGIN_PATCH, END_PATCH, HunkReader, HunkSyntaxError } from './hunk-reader.js';
import type { PatchHunk } from './types.js';

export interface PartialPatchFile {
  kind: 'add' | 'delete' | 'update';
  path: string;
  movePath?: string;
  /** Lines added / removed so far (for an add: its lines; for a delete: 0). */
  added: number;
  removed: number;
  /** False while the model may still be writing this file's section. */
  complete: boolean;
}

export interface PartialPatch {
  files: PartialPatchFile[];
  /** `*** End Patch` has been seen. */
  complete: boolean;
  /** Set once the text cannot be a valid patch; files read before the problem are still listed. */
  error?: string;
}

const HEREDOC_START = /^<<(?:EOF|'EOF'|"EOF")$/;

export class StreamingPatchParser {
  private pending = '';
  private lineNumber = 0;
  private phase: 'before-begin' | 'body' | 'done' = 'before-begin';
  private sawHeredoc = false;
  private error: string | undefined;
  private readonly reader = new HunkReader();
  /** Completed files, described once each. */
  private readonly described: PartialPatchFile[] = [];

  /** Adds text the model just wrote; returns what is known so far. */
  push(delta: string): PartialPatch {
    // Only the new text can hold a newline the last call did not see.
    const from = this.pending.length;
    this.pending += delta;
    let newline = this.pending.indexOf('\n', from);
    while (newline !== -1 && this.phase !== 'done') {
      let line = this.pending.slice(0, newline);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.pending = this.pending.slice(newline + 1);
      this.readLine(line);
      newline = this.pending.indexOf('\n');
    }
    return this.snapshot();
  }

  /** The text has ended: reads the last unterminated line too. */
  finish(): PartialPatch {
    if (this.pending !== '' && this.phase !== 'done') {
      const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
      this.pending = '';
      this.readLine(line);
    }
    return this.snapshot();
  }

  snapshot(): PartialPatch {
    const { hunks } = this.reader;
    while (this.described.length < hunks.length) {
      this.described.push(describe(hunks[this.described.length] as PatchHunk));
    }
    const files = [...this.described];
    const current = this.phase === 'done' ? undefined : this.reader.progress();
    if (current) {
      const { type, ...rest } = current;
      files.push({ kind: type, ...rest, complete: false });
    }
    const result: PartialPatch = { files, complete: this.phase === 'done' && this.error === undefined };
    if (this.error !== undefined) result.error = this.error;
    return result;
  }

  private readLine(line: string): void {
    if (this.phase === 'before-begin') {
      const trimmed = line.trim();
      if (trimmed === '') return;
      if (!this.sawHeredoc && HEREDOC_START.test(trimmed)) {
        this.sawHeredoc = true;
        return;
      }
      if (trimmed !== BEGIN_PATCH) {
        this.fail(`Invalid patch: The first line of the patch must be '${BEGIN_PATCH}'`);
        return;
      }
      this.lineNumber = 1;
      this.phase = 'body';
      return;
    }
    this.lineNumber++;
    try {
      if (line.trim() === END_PATCH) {
        this.reader.end();
        this.phase = 'done';
        return;
      }
      this.reader.feed(line, this.lineNumber);
    } catch (err) {
      if (!(err instanceof HunkSyntaxError)) throw err;
      this.fail(err.message);
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.phase = 'done';
  }
}

/** Parses partial patch text in one go (a fresh StreamingPatchParser fed the whole text so far). */
export function parsePartial(text: string): PartialPatch {
  return new StreamingPatchParser().push(text);
}

/** A completed hunk, as a file entry. */
function describe(hunk: PatchHunk): PartialPatchFile {
  const complete = true as const;
  switch (hunk.type) {
    case 'add': {
      const added = hunk.contents === '' ? 0 : hunk.contents.split('\n').length - 1;
      return { kind: 'add', path: hunk.path, added, removed: 0, complete };
    }
    case 'delete':
      return { kind: 'delete', path: hunk.path, added: 0, removed: 0, complete };
    case 'update': {
      let added = 0;
      let removed = 0;
      for (const chunk of hunk.chunks) {
        for (const line of chunk.lines) {
          if (line.op === 'add') added++;
          else if (line.op === 'remove') removed++;
        }
      }
      const file: PartialPatchFile = { kind: 'update', path: hunk.path, added, removed, complete };
      if (hunk.movePath !== undefined) file.movePath = hunk.movePath;
      return file;
    }
  }
}
