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
  /**
   * While the UI owns the screen, what anything else in the process writes to stdout or stderr (a
   * library's warning or log line) goes to `listener` instead of onto the screen, where it would
   * leave stale lines in the live region. Returns the function that gives the streams back.
   */
  captureStrayOutput?(listener: (text: string) => void): () => void;
}

type WriteFunction = NodeJS.WriteStream['write'];

export function nodeTerminal(
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream = process.stderr,
): TerminalIo {
  let raw = false;
  // The UI's own writes go through the stream's real `write`, even while it is diverted.
  const ownWrite = stdout.write.bind(stdout) as (data: string) => boolean;
  return {
    write: (data) => {
      ownWrite(data);
    },
    captureStrayOutput(listener) {
      const streams = [stdout, stderr];
      const originals = streams.map((stream) => stream.write);
      for (const stream of streams) {
        stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
          const done = typeof encoding === 'function' ? encoding : callback;
          listener(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
          if (typeof done === 'function') process.nextTick(done as () => void);
          return true;
        }) as WriteFunction;
      }
      return () => {
        streams.forEach((stream, i) => {
          stream.write = originals[i]!;
        });
      };
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
