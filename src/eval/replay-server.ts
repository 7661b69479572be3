/**
 * The replay server: Spool's own stand-in for the provider, built from a recording. It speaks the
 * Responses wire on a random loopback port and answers the n-th request with the n-th recorded
 * response, whatever was asked; every request body is kept as received (the check compares them).
 * A request beyond the recording gets HTTP 500 with a message saying so.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedResponse } from './recording.js';
import { replayEvents, sseText } from './replay-wire.js';

export interface ReplayServerOptions {
  model: string;
  responses: readonly RecordedResponse[];
  /** Called with each request body (1-based), before it is answered. */
  onRequest?: (seq: number, body: string) => void;
}

export interface ReplayServer {
  /** Base URL (…/v1). */
  url: string;
  /** Request bodies received, in order. */
  readonly bodies: string[];
  /** Requests the recording had no response for. */
  readonly unanswered: number;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const bodies: string[] = [];
  let unanswered = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').replace(/^\/v1/, '').split('?')[0];
    if (req.method === 'GET' && route === '/models') {
      json(res, 200, {
        object: 'list',
        data: [{ id: options.model, object: 'model', created: 0, owned_by: 'replay' }],
      });
      return;
    }
    if (req.method !== 'POST' || route !== '/responses') {
      json(res, 404, {
        error: { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error' },
      });
      return;
    }
    readBody(req).then(
      (body) => {
        bodies.push(body);
        const seq = bodies.length;
        options.onRequest?.(seq, body);
        const response = options.responses[seq - 1];
        if (!response) {
          unanswered++;
          json(res, 500, {
            error: {
              message: `the recording has ${options.responses.length} responses; request ${seq} has none`,
              type: 'server_error',
              code: 'replay_exhausted',
            },
          });
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end(sseText(replayEvents(seq, options.model, response.items, response.usage)));
      },
      (err: Error) => json(res, 400, { error: { message: `cannot read the request: ${err.message}` } }),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    bodies,
    get unanswered() {
      return unanswered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
