/**
 * Reads the body of a patch (the lines between `*** Begin Patch` and `*** End Patch`) one line at a
 * time, so the same code serves the whole-text parser and the streaming parser a UI feeds while
 * the model is still writing.
 *
 * The grammar and the messages follow Codex's parser (codex-rs/apply-patch/src/parser.rs), with the
 * same leniency: hunk headers are trimmed, blank lines between update chunks are skipped, the first
 * chunk of an update may omit its `@@`. Spool is a little more lenient in three places, each of which
 * Codex rejects or misreads: several `@@` anchors in a row (`@@ class A` / `@@ def f`) narrow the
 * search step by step, a unified-diff range header (`@@ -1,3 +1,4 @@`) counts as a bare `@@`, and
 * `*** Move to:` / `*** End of File` may carry trailing whitespace.
 */
import type { ChunkLine, PatchHunk, UpdateChunk } from './types.js';

export const BEGIN_PATCH = '*** Begin Patch';
export const END_PATCH = '*** End Patch';
const ADD_FILE = '*** Add File: ';
const DELETE_FILE = '*** Delete File: ';
const UPDATE_FILE = '*** Update File: ';
const MOVE_TO = '*** Move to: ';
const END_OF_FILE = '*** End of File';

const VALID_HEADERS =
  "Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'";
const NO_LINES = 'Update hunk does not contain any lines';
const UNIFIED_RANGE = /^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@/;

export class HunkSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly lineNumber: number,
  ) {
    super(`Invalid patch hunk on line ${lineNumber}: ${detail}`);
  }
}

/** `@@` lines: undefined when the line is not one; null for a bare `@@` (no anchor text). */
function anchorOf(line: string): string | null | undefined {
  if (line.trimEnd() === '@@') return null;
  if (!line.startsWith('@@ ')) return undefined;
  const text = line.slice(3);
  if (text.trim() === '' || UNIFIED_RANGE.test(text)) return null;
  return text;
}

type State =
  | { name: 'header' }
  | { name: 'add'; path: string; lineNumber: number; lines: string[] }
  | BetweenChunks
  | {
      name: 'chunk';
      hunk: UpdateHunk;
      counts: LineCounts;
      chunk: UpdateChunk;
      bodyLines: number;
      /** True while the chunk holds only `@@` lines, so another `@@` nests. */
      readingAnchors: boolean;
      lastAnchorLine: number;
    };

type UpdateHunk = Extract<PatchHunk, { type: 'update' }>;

/** After an update header (optionally expecting `*** Move to:`), or between its chunks. */
type BetweenChunks = { name: 'update-start' | 'update'; hunk: UpdateHunk; counts: LineCounts };

/** Lines added and removed so far by the hunk being read (kept as lines arrive, for progress). */
interface LineCounts {
  added: number;
  removed: number;
}

/** The hunk being read, summarised in constant time (streaming snapshots must stay cheap). */
interface HunkProgress {
  type: PatchHunk['type'];
  path: string;
  movePath?: string;
  added: number;
  removed: number;
}

export class HunkReader {
  readonly hunks: PatchHunk[] = [];
  private state: State = { name: 'header' };

  /** Consumes one body line; throws HunkSyntaxError for a malformed patch. */
  feed(line: string, lineNumber: number): void {
    // A line may end one construct and start the next: loop until some state consumes it.
    for (;;) {
      if (this.step(line, lineNumber)) return;
    }
  }

  /** Closes the last hunk at the end of the body; throws if it is incomplete. */
  end(): void {
    const state = this.state;
    if (state.name === 'chunk') {
      if (state.bodyLines === 0) throw new HunkSyntaxError(NO_LINES, state.lastAnchorLine + 1);
      state.hunk.chunks.push(state.chunk);
      this.closeUpdate(state.hunk);
    } else if (state.name === 'update' || state.name === 'update-start') {
      this.closeUpdate(state.hunk);
    } else if (state.name === 'add') {
      this.closeAdd(state);
    }
    this.state = { name: 'header' };
  }

  /** The hunk being read, if any (for progress display). */
  progress(): HunkProgress | undefined {
    const state = this.state;
    if (state.name === 'header') return undefined;
    if (state.name === 'add') return { type: 'add', path: state.path, added: state.lines.length, removed: 0 };
    const progress: HunkProgress = { type: 'update', path: state.hunk.path, ...state.counts };
    if (state.hunk.movePath !== undefined) progress.movePath = state.hunk.movePath;
    return progress;
  }

  /** Returns true when the line was consumed, false to re-read it in the new state. */
  private step(line: string, lineNumber: number): boolean {
    const state = this.state;
    switch (state.name) {
      case 'header':
        this.readHeader(line, lineNumber);
        return true;
      case 'add':
        if (line.startsWith('+')) {
          state.lines.push(line.slice(1));
          return true;
        }
        this.closeAdd(state);
        this.state = { name: 'header' };
        return false;
      case 'update-start': {
        const trimmed = line.trim();
        this.state = { name: 'update', hunk: state.hunk, counts: state.counts };
        if (trimmed.startsWith(MOVE_TO)) {
          state.hunk.movePath = trimmed.slice(MOVE_TO.length);
          return true;
        }
        return false;
      }
      case 'update':
        return this.readChunkStart(state, line, lineNumber);
      case 'chunk':
        return this.readChunkLine(state, line, lineNumber);
    }
  }

  private readHeader(line: string, lineNumber: number): void {
    const header = line.trim();
    if (header.startsWith(ADD_FILE)) {
      this.state = { name: 'add', path: header.slice(ADD_FILE.length), lineNumber, lines: [] };
    } else if (header.startsWith(DELETE_FILE)) {
      this.hunks.push({ type: 'delete', path: header.slice(DELETE_FILE.length), lineNumber });
    } else if (header.startsWith(UPDATE_FILE)) {
      const hunk: UpdateHunk = {
        type: 'update',
        path: header.slice(UPDATE_FILE.length),
        chunks: [],
        lineNumber,
      };
      this.state = { name: 'update-start', hunk, counts: { added: 0, removed: 0 } };
    } else {
      throw new HunkSyntaxError(`'${header}' is not a valid hunk header. ${VALID_HEADERS}`, lineNumber);
    }
  }

  private readChunkStart(state: BetweenChunks, line: string, lineNumber: number): boolean {
    const { hunk, counts } = state;
    if (line.trim() === '') return true;
    if (line.startsWith('*')) {
      this.closeUpdate(hunk);
      this.state = { name: 'header' };
      return false;
    }
    const anchor = anchorOf(line);
    if (anchor !== undefined) {
      const chunk: UpdateChunk = {
        anchors: anchor === null ? [] : [anchor],
        lines: [],
        isEndOfFile: false,
        lineNumber,
      };
      this.state = {
        name: 'chunk',
        hunk,
        counts,
        chunk,
        bodyLines: 0,
        readingAnchors: true,
        lastAnchorLine: lineNumber,
      };
      return true;
    }
    if (hunk.chunks.length > 0) {
      throw new HunkSyntaxError(
        `Expected update hunk to start with a @@ context marker, got: '${line}'`,
        lineNumber,
      );
    }
    // The first chunk may start directly with diff lines.
    const chunk: UpdateChunk = { anchors: [], lines: [], isEndOfFile: false, lineNumber };
    this.state = {
      name: 'chunk',
      hunk,
      counts,
      chunk,
      bodyLines: 0,
      readingAnchors: false,
      lastAnchorLine: lineNumber - 1,
    };
    return false;
  }

  private readChunkLine(state: Extract<State, { name: 'chunk' }>, line: string, lineNumber: number): boolean {
    const { chunk } = state;
    if (state.readingAnchors) {
      const anchor = anchorOf(line);
      if (anchor !== undefined) {
        if (anchor !== null) chunk.anchors.push(anchor);
        state.lastAnchorLine = lineNumber;
        return true;
      }
      state.readingAnchors = false;
    }
    if (line.trimEnd() === END_OF_FILE) {
      if (state.bodyLines === 0) throw new HunkSyntaxError(NO_LINES, lineNumber);
      chunk.isEndOfFile = true;
      state.hunk.chunks.push(chunk);
      this.state = { name: 'update', hunk: state.hunk, counts: state.counts };
      return true;
    }
    const parsed = chunkLine(line);
    if (parsed) {
      chunk.lines.push(parsed);
      state.bodyLines++;
      if (parsed.op === 'add') state.counts.added++;
      else if (parsed.op === 'remove') state.counts.removed++;
      return true;
    }
    if (state.bodyLines === 0) {
      throw new HunkSyntaxError(
        `Unexpected line found in update hunk: '${line}'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)`,
        lineNumber,
      );
    }
    state.hunk.chunks.push(chunk);
    this.state = { name: 'update', hunk: state.hunk, counts: state.counts };
    return false;
  }

  private closeAdd(state: Extract<State, { name: 'add' }>): void {
    this.hunks.push({
      type: 'add',
      path: state.path,
      contents: joinAdded(state.lines),
      lineNumber: state.lineNumber,
    });
  }

  private closeUpdate(hunk: UpdateHunk): void {
    if (hunk.chunks.length === 0) {
      throw new HunkSyntaxError(`Update file hunk for path '${hunk.path}' is empty`, hunk.lineNumber);
    }
    this.hunks.push(hunk);
  }
}

function chunkLine(line: string): ChunkLine | undefined {
  // An empty line inside a chunk is an empty context line (editors strip the lone space).
  if (line === '') return { op: 'context', text: '' };
  switch (line[0]) {
    case ' ':
      return { op: 'context', text: line.slice(1) };
    case '+':
      return { op: 'add', text: line.slice(1) };
    case '-':
      return { op: 'remove', text: line.slice(1) };
    default:
      return undefined;
  }
}

function joinAdded(lines: string[]): string {
  let contents = '';
  for (const line of lines) contents += `${line}\n`;
  return contents;
}
