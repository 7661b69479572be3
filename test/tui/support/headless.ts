/**
 * A headless xterm.js terminal for the UI's tests: what the UI writes is parsed as a real terminal
 * would, and the tests read the resulting screen (text and cell colours), never the escape codes.
 */
import xterm from '@xterm/headless';
import type { TerminalIo } from '../../../src/tui/terminal/terminal-io.js';

export type HeadlessTerminal = InstanceType<typeof xterm.Terminal>;

export function headlessTerminal(columns = 80, rows = 24): HeadlessTerminal {
  return new xterm.Terminal({ cols: columns, rows, allowProposedApi: true, scrollback: 5000 });
}

/** Resolves once everything written so far has been parsed. */
export function flush(term: HeadlessTerminal): Promise<void> {
  return new Promise((resolve) => term.write('', resolve));
}

/** The visible screen, one string per row (trailing spaces trimmed). */
export function screenLines(term: HeadlessTerminal): string[] {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < term.rows; i++)
    lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
  return lines;
}

/** Scrollback and screen, one string per row, without the empty rows at the bottom. */
export function allLines(term: HeadlessTerminal): string[] {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function screenText(term: HeadlessTerminal): string {
  return screenLines(term).join('\n');
}

/** The foreground colour (palette index, -1 for default) of the first cell showing `text`. */
export function colorOf(term: HeadlessTerminal, text: string): number | undefined {
  const buffer = term.buffer.active;
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    const at = line.translateToString(false).indexOf(text);
    if (at < 0) continue;
    const cell = line.getCell(at);
    if (!cell) return undefined;
    return cell.isFgDefault() ? -1 : cell.getFgColor();
  }
  return undefined;
}

/** Cell attributes of the first cell showing `text`. */
export function attributesOf(
  term: HeadlessTerminal,
  text: string,
): { bold: boolean; dim: boolean; italic: boolean } | undefined {
  const buffer = term.buffer.active;
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    const at = line?.translateToString(false).indexOf(text) ?? -1;
    if (!line || at < 0) continue;
    const cell = line.getCell(at)!;
    return { bold: cell.isBold() !== 0, dim: cell.isDim() !== 0, italic: cell.isItalic() !== 0 };
  }
  return undefined;
}

export interface HeadlessIo extends TerminalIo {
  term: HeadlessTerminal;
  /** Everything the UI wrote, in order. */
  output: string[];
  /** Types into the UI (as the terminal would send it). */
  type(data: string): void;
  /** Resizes once what was written has been parsed (as a terminal shows output before a resize). */
  resize(columns: number, rows: number): Promise<void>;
  entered: boolean;
}

/** A TerminalIo over a headless terminal. */
export function headlessIo(term: HeadlessTerminal): HeadlessIo {
  const resizeListeners = new Set<() => void>();
  const inputListeners = new Set<(data: string) => void>();
  const io: HeadlessIo = {
    term,
    output: [],
    entered: false,
    write(data) {
      io.output.push(data);
      term.write(data);
    },
    size: () => ({ columns: term.cols, rows: term.rows }),
    onResize(listener) {
      resizeListeners.add(listener);
      return () => resizeListeners.delete(listener);
    },
    onInput(listener) {
      inputListeners.add(listener);
      return () => inputListeners.delete(listener);
    },
    enter() {
      io.entered = true;
    },
    leave() {
      io.entered = false;
    },
    type(data) {
      for (const listener of inputListeners) listener(data);
    },
    async resize(columns, rows) {
      await flush(term);
      term.resize(columns, rows);
      for (const listener of resizeListeners) listener();
    },
  };
  return io;
}

/** Polls `check` (after letting the terminal parse) until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitFor(
  term: HeadlessTerminal,
  check: () => boolean,
  describe: () => string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await flush(term);
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Full-screen clears and resets: none of them may ever be written by the UI. */
export const FULL_CLEARS = [
  '\x1b[2J',
  '\x1b[3J',
  '\x1b[H\x1b[J',
  '\x1b[H\x1b[0J',
  '\x1b[1;1H\x1b[J',
  '\x1bc',
  '\x1b[?1049h',
  '\x1b[?47h',
];

export function fullClearsIn(output: string): string[] {
  return FULL_CLEARS.filter((sequence) => output.includes(sequence));
}

/** Prints `lines` (one per row) into a fresh terminal and returns it, for component snapshots. */
export async function printLines(
  lines: readonly string[],
  columns = 60,
  rows = 40,
): Promise<HeadlessTerminal> {
  const term = headlessTerminal(columns, rows);
  term.write(lines.join('\r\n'));
  await flush(term);
  return term;
}
