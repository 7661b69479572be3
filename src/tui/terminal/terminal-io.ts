/** The terminal the UI draws on: output, size, resize events and raw input. */
import { ansi } from './ansi.js';
import type { ScreenSize } from './renderer.js';

export interface TerminalIo {
  write(data: string): void;
  size(): ScreenSize;
  onResize(listener: () => void): () => void;
  onInput(listener: (data: string) => void): () => void;
  /** Raw input, bracketed paste on; asks whether synchronized output is supported. */
  enter(): void;
  /** Back to how the terminal was. */
  leave(): void;
}

export function nodeTerminal(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): TerminalIo {
  let raw = false;
  return {
    write: (data) => {
      stdout.write(data);
    },
    size: () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
    onResize(listener) {
      stdout.on('resize', listener);
      return () => stdout.off('resize', listener);
    },
    onInput(listener) {
      stdin.on('data', listener);
      return () => stdin.off('data', listener);
    },
    enter() {
      if (stdin.isTTY) {
        stdin.setRawMode(true);
        raw = true;
      }
      stdin.setEncoding('utf8');
      stdin.resume();
      stdout.write(ansi.bracketedPasteOn + ansi.querySync);
    },
    leave() {
      stdout.write(ansi.bracketedPasteOff + ansi.showCursor);
      if (raw) stdin.setRawMode(false);
      raw = false;
      stdin.pause();
    },
  };
}
