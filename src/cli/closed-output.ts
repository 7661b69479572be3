/**
 * stdout and stderr that the reader may close: `spool exec --json … | head -1` closes the pipe
 * after one line. A closed output is not a crash: the run is told (to stop its turn, which kills
 * its commands and flushes the session log), nothing more is written anywhere, and the command
 * exits quietly with 141 (128 + SIGPIPE, what a program killed by the closed pipe would report).
 */

/** Where text goes: a stream, or the guarded stand-in for one. */
export interface TextOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** The write errors that mean the reader went away. */
const READER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

interface GuardedOutputs {
  io: { stdout: TextOutput; stderr: TextOutput };
  /** Calls `listener` once when either output closes (at once if one already has). */
  onClosed(listener: () => void): void;
  closed(): boolean;
  /** Stops watching the streams. */
  dispose(): void;
}

type Watched = NodeJS.WritableStream & { isTTY?: boolean };

export function guardOutputs(io: { stdout: Watched; stderr: Watched }): GuardedOutputs {
  let closed = false;
  const listeners: Array<() => void> = [];
  const onError = (which: 'stdout' | 'stderr') => (err: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    // Any other failure to write is said where it still can be (then treated the same way).
    if (!READER_GONE.has(err.code ?? '')) {
      const other = which === 'stdout' ? io.stderr : io.stdout;
      other.write(`spool: cannot write to ${which}: ${err.message}\n`);
    }
    for (const listener of listeners.splice(0)) listener();
  };
  const onStdoutError = onError('stdout');
  const onStderrError = onError('stderr');
  io.stdout.on('error', onStdoutError);
  io.stderr.on('error', onStderrError);
  const gate = (stream: Watched): TextOutput => ({
    isTTY: stream.isTTY,
    write: (text: string) => (closed ? false : stream.write(text)),
  });
  return {
    io: { stdout: gate(io.stdout), stderr: gate(io.stderr) },
    onClosed(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    closed: () => closed,
    dispose() {
      io.stdout.off('error', onStdoutError);
      io.stderr.off('error', onStderrError);
    },
  };
}

/**
 * For the whole process: a reader that goes away ends the command quietly with 141 instead of an
 * unhandled `EPIPE` and its stack trace (`spool sessions | head -1`).
 */
export function exitQuietlyWhenOutputCloses(streams: Watched[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!READER_GONE.has(err.code ?? '')) throw err;
      process.exitCode = 141;
    });
  }
}
