/**
 * Main-screen rendering with a live region. Finished transcript lines are written once above the
 * live region and scroll into the terminal's scrollback like any program's output; the live
 * region below them (the streaming item, the composer, the status line) is redrawn
 * differentially: only the lines that changed are rewritten, each frame inside DEC synchronized
 * output (mode 2026) so the terminal shows it at once. Nothing ever clears the screen: the only
 * erasures are "to end of line" and "below the live region".
 *
 * All cursor movement is relative to the live region's top, so the region keeps working when the
 * terminal scrolls. The region is never taller than the screen (rows above the screen cannot be
 * reached), and its lines are cut to the width so the terminal never wraps them. Every line is
 * passed through `safeStyledLine`: only SGR sequences reach the terminal from a line.
 */
import { safeStyledLine } from '../../text/terminal-safe.js';
import { ansi } from './ansi.js';
import { drawCaret, textWidth, truncateLine } from './width.js';

export interface Frame {
  lines: readonly string[];
  /**
   * Where the caret shows (row and column in `lines`), drawn as an inverted cell; none when absent.
   * The terminal's own cursor stays hidden (see `resize`).
   */
  cursor?: { row: number; col: number };
}

export interface ScreenSize {
  columns: number;
  rows: number;
}

export class LiveRenderer {
  /** The live lines as they are on the screen (empty after a commit or resize: unknown). */
  private previous: string[] = [];
  /** Rows below the live region's top that hold something of ours (to erase when it shrinks). */
  private height = 0;
  /** The hardware cursor, relative to the live region's top. */
  private cursorRow = 0;
  private columns: number;
  private rows: number;
  /** Wrap frames in synchronized-output markers (turned off when the terminal says it has none). */
  synchronized = true;

  constructor(
    private readonly write: (data: string) => void,
    size: ScreenSize,
  ) {
    this.columns = Math.max(1, size.columns);
    this.rows = Math.max(1, size.rows);
  }

  get size(): ScreenSize {
    return { columns: this.columns, rows: this.rows };
  }

  /**
   * Writes `committed` lines into the scrollback (above the live region, once) and draws `frame` as
   * the live region, rewriting only what changed since the last frame.
   */
  render(frame: Frame, committed: readonly string[] = []): void {
    const lines = this.fit(frame);
    let out = this.synchronized ? ansi.syncBegin : '';
    out += ansi.hideCursor;
    if (committed.length > 0) {
      out += `${this.moveToRow(0)}\r`;
      let rowsWritten = 0;
      for (const raw of committed) {
        const line = safeStyledLine(raw);
        const width = textWidth(line);
        out += `${line}${width % this.columns !== 0 || width === 0 ? ansi.eraseLineEnd : ''}\r\n`;
        rowsWritten += Math.max(1, Math.ceil(width / this.columns));
      }
      // The live region now starts here; the old live rows below are stale.
      this.height = Math.max(0, this.height - rowsWritten);
      this.previous = [];
      this.cursorRow = 0;
    }
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (i < this.previous.length && this.previous[i] === line) continue;
      out += this.moveToRow(i);
      const width = textWidth(line);
      out += `\r${line}${width < this.columns ? ansi.eraseLineEnd : ''}`;
    }
    if (lines.length < this.height) out += `${this.moveToRow(lines.length)}\r${ansi.eraseDown}`;
    this.height = lines.length;
    this.previous = lines;
    // The hidden cursor waits at the start of the blank last row (see `resize`).
    out += `${this.moveToRow(lines.length - 1)}\r`;
    if (this.synchronized) out += ansi.syncEnd;
    this.write(out);
  }

  /**
   * The terminal changed size and may have reflowed the live rows (narrower: long rows wrapped).
   * The cursor waits at the start of the region's blank last row, which no reflow moves away
   * from the rows above it (terminals differ on where a cursor inside a wrapped row ends up), so
   * the region's top is the rows above it, counted at the new width. The region is erased from
   * there and the next frame draws it whole.
   */
  resize(size: ScreenSize): void {
    const narrower = size.columns < this.columns;
    const rowsOf = (line: string) => (narrower ? Math.max(1, Math.ceil(textWidth(line) / size.columns)) : 1);
    let above = 0;
    for (let i = 0; i < this.cursorRow && i < this.previous.length; i++) above += rowsOf(this.previous[i]!);
    this.columns = Math.max(1, size.columns);
    this.rows = Math.max(1, size.rows);
    let out = this.synchronized ? ansi.syncBegin : '';
    out += `${ansi.hideCursor}${ansi.up(Math.min(above, this.rows - 1))}\r${ansi.eraseDown}`;
    if (this.synchronized) out += ansi.syncEnd;
    this.write(out);
    this.previous = [];
    this.height = 0;
    this.cursorRow = 0;
  }

  /** Erases the live region; the cursor is left at its top, ready for ordinary output. */
  clear(): void {
    let out = this.synchronized ? ansi.syncBegin : '';
    out += `${this.moveToRow(0)}\r${ansi.eraseDown}${ansi.showCursor}`;
    if (this.synchronized) out += ansi.syncEnd;
    this.write(out);
    this.previous = [];
    this.height = 0;
    this.cursorRow = 0;
  }

  /**
   * The frame's lines cut to the screen — at most `rows - 1` (the bottom ones), none wider than it —
   * with the caret drawn in, and the blank row the cursor waits on.
   */
  private fit(frame: Frame): string[] {
    const drop = Math.max(0, frame.lines.length - (this.rows - 1));
    // Lines carry only our SGR styling: whatever else slipped into one is removed before it can
    // move the cursor or span rows (the content itself was made safe where it came in).
    const lines = frame.lines.slice(drop).map((line) => truncateLine(safeStyledLine(line), this.columns));
    const row = frame.cursor ? frame.cursor.row - drop : -1;
    if (frame.cursor && row >= 0 && row < lines.length)
      lines[row] = drawCaret(lines[row]!, Math.min(frame.cursor.col, this.columns - 1));
    lines.push('');
    return lines;
  }

  /** Moves the cursor to live row `row`, creating rows (scrolling the terminal) below the region. */
  private moveToRow(row: number): string {
    let out = '';
    if (row < this.cursorRow) out += ansi.up(this.cursorRow - row);
    else if (row > this.cursorRow) {
      const existing = Math.max(this.height, this.cursorRow + 1) - 1;
      const within = Math.min(row, existing);
      if (within > this.cursorRow) out += ansi.down(within - this.cursorRow);
      const fresh = row - Math.max(within, this.cursorRow);
      if (fresh > 0) {
        out += '\r\n'.repeat(fresh);
        this.height = Math.max(this.height, row + 1);
      }
    }
    this.cursorRow = row;
    return out;
  }
}
