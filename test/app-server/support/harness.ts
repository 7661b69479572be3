/** Connecting test clients to an app-server: in process over a stream pair, as a process, over WebSocket. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import type { Connection } from '../../../src/app-server/connection.js';
import type { AppServer } from '../../../src/app-server/server.js';
import { serveStreams } from '../../../src/app-server/stdio-transport.js';
import type { Emulator } from '../../emulator/index.js';
import { ROOT } from '../../support/spool-bin.js';
import { tempDir } from '../../support/thread.js';
import { ProtocolClient } from './protocol-client.js';

export function serverEnv(emulator: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    OPENAI_BASE_URL: emulator.url,
    OPENAI_API_KEY: 'test-key',
    ...extra,
    // A home of its own unless the test gives one (made only then: nothing left behind unused).
    SPOOL_HOME: extra.SPOOL_HOME ?? tempDir('spool-home-'),
  };
}

/** Splits a byte stream into lines and hands each to `onLine`. */
export function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== '') onLine(line);
      newline = buffered.indexOf('\n');
    }
  });
}

export interface StreamClient {
  client: ProtocolClient;
  connection: Connection;
  input: PassThrough;
  output: PassThrough;
  done: Promise<void>;
}

/** A client of `server` over an in-memory stream pair (the stdio transport without a process). */
export function streamClient(server: AppServer): StreamClient {
  const input = new PassThrough();
  const output = new PassThrough();
  const client = new ProtocolClient((text) => input.write(`${text}\n`));
  onLines(output, (line) => client.receive(line));
  const { connection, done } = serveStreams(server, input, output, 'test-stream');
  return { client, connection, input, output, done };
}

export interface ProcessClient {
  client: ProtocolClient;
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

export const SERVE_FIXTURE = path.join(ROOT, 'test/app-server/fixtures/serve.ts');

/** `spool app-server` as a child process (stdio), through the test fixture. */
export function spawnServer(env: NodeJS.ProcessEnv, args: string[] = []): ProcessClient {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE_FIXTURE, ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const client = new ProtocolClient((text) => child.stdin!.write(`${text}\n`));
  onLines(child.stdout!, (line) => client.receive(line));
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { client, child, stderr: () => stderr, exited };
}

export interface WsClient {
  client: ProtocolClient;
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

export async function connectWs(url: string, token: string | undefined): Promise<WsClient> {
  const socket = new WebSocket(
    url,
    token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
  );
  const client = new ProtocolClient((text) => socket.send(text));
  socket.on('message', (data) => client.receive(data.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return { client, socket, closed };
}
