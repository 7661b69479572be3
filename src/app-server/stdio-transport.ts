/**
 * JSON-RPC over a byte stream pair (the process's stdin/stdout, or any Readable/Writable): one
 * JSON message per line. A line longer than the size limit is skipped up to its newline and
 * answered with an error; reading pauses while the client is not reading what we send.
 */
import type { Readable, Writable } from 'node:stream';
import type { Connection } from './connection.js';
import type { AppServer } from './server.js';
import type { Transport } from './transport.js';

const NEWLINE = 0x0a;

interface StreamServing {
  connection: Connection;
  /** Settles when the input ends or the connection is closed. */
  done: Promise<void>;
}

export function serveStreams(
  server: AppServer,
  input: Readable,
  output: Writable,
  label = 'stdio',
): StreamServing {
  const max = server.limits.maxMessageBytes;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let oversized = 0;
  const lines: string[] = [];
  let paused = false;
  let ended = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let drainCallback = () => {};

  const transport: Transport = {
    write(text) {
      if (ended || output.destroyed || output.writableEnded) return true;
      return output.write(`${text}\n`);
    },
    onDrain(callback) {
      drainCallback = callback;
    },
    pause() {
      paused = true;
      input.pause();
    },
    resume() {
      paused = false;
      pump();
      if (!paused && !ended) input.resume();
    },
    close() {
      stop();
    },
  };
  const connection = server.connect(transport, label);

  function stop(): void {
    if (ended) return;
    ended = true;
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('error', onEnd);
    output.off('drain', onDrain);
    output.off('error', onEnd);
    input.pause();
    connection.closed();
    finish();
  }

  function pump(): void {
    while (!paused && lines.length > 0 && !ended) connection.receive(lines.shift()!);
  }

  function endLine(): void {
    if (oversized > 0) {
      connection.tooLarge(oversized);
    } else if (partBytes > 0) {
      const text = Buffer.concat(parts, partBytes).toString('utf8');
      if (text.trim() !== '') lines.push(text.endsWith('\r') ? text.slice(0, -1) : text);
    }
    parts = [];
    partBytes = 0;
    oversized = 0;
  }

  function addPart(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (oversized > 0) {
      oversized += chunk.length;
      return;
    }
    if (partBytes + chunk.length > max) {
      oversized = partBytes + chunk.length;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(chunk);
    partBytes += chunk.length;
  }

  function onData(data: Buffer | string): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline < 0) break;
      addPart(chunk.subarray(start, newline));
      endLine();
      start = newline + 1;
    }
    addPart(chunk.subarray(start));
    pump();
  }

  function onEnd(): void {
    endLine();
    pump();
    stop();
  }

  function onDrain(): void {
    drainCallback();
  }

  input.on('data', onData);
  input.on('end', onEnd);
  input.on('error', onEnd);
  output.on('drain', onDrain);
  output.on('error', onEnd);
  return { connection, done };
}
