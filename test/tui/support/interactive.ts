/**
 * The interactive session in process for tests: `runInteractive` on a headless terminal, with a
 * view of the whole buffer (scrollback and screen) to wait on and keys to type.
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { type InteractiveOptions, runInteractive } from '../../../src/tui/run.js';
import { allLines, type HeadlessIo, headlessIo, headlessTerminal, screenText, waitFor } from './headless.js';

export interface InteractiveSession {
  io: HeadlessIo;
  /** The session's exit code. */
  done: Promise<number>;
  /** What the session wrote to stderr so far. */
  stderr: () => string;
  /** The whole buffer, scrollback and screen, as text. */
  text: () => string;
  /** Waits until the whole buffer shows `wanted`; a timeout names it, with the screen and stderr. */
  see(wanted: string | RegExp, timeoutMs?: number): Promise<void>;
  type(data: string): void;
}

export function startInteractive(
  options: InteractiveOptions,
  env: NodeJS.ProcessEnv,
  columns = 100,
  rows = 30,
): InteractiveSession {
  const io = headlessIo(headlessTerminal(columns, rows));
  let errors = '';
  const stderr = new Writable({
    write(chunk, _encoding, callback) {
      errors += chunk;
      callback();
    },
  });
  const done = runInteractive(
    options,
    { stdin: process.stdin, stdout: process.stdout, stderr, env },
    io,
    new EventEmitter(),
  );
  const text = () => allLines(io.term).join('\n');
  return {
    io,
    done,
    stderr: () => errors,
    text,
    see: (wanted, timeoutMs) =>
      waitFor(
        io.term,
        () => (typeof wanted === 'string' ? text().includes(wanted) : wanted.test(text())),
        () => `${String(wanted)} on the screen:\n${screenText(io.term)}\nstderr: ${errors}`,
        timeoutMs,
      ),
    type: (data) => io.type(data),
  };
}
