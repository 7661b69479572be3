/**
 * JSON-RPC over WebSocket: one message per text frame. The handshake must carry
 * `Authorization: Bearer <token>`; requests with an `Origin` header (browsers) are refused.
 * `GET /readyz` and `GET /healthz` answer 200 once listening.
 *
 * Size: a frame over the message limit is answered with an error and skipped; one over twice the
 * limit is refused by the WebSocket layer itself, which closes the connection (code 1009) rather
 * than read it. Backpressure: bytes handed to the socket and not yet written are counted; above
 * 1 MiB the connection's queue holds messages (outbound-queue.ts) until they are written.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { AppServer } from './server.js';
import type { Transport } from './transport.js';

const SOCKET_HIGH_WATER = 1024 * 1024;

interface WebSocketListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The bearer token clients must present. */
  token: string;
}

export interface WebSocketListener {
  /** `ws://host:port` as bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function refuse(socket: Duplex, status: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  socket.destroy();
}

function attach(server: AppServer, ws: WebSocket): void {
  let outstanding = 0;
  let blocked = false;
  let drain = () => {};
  const transport: Transport = {
    write(text) {
      if (ws.readyState !== WebSocket.OPEN) return true;
      const bytes = Buffer.byteLength(text);
      outstanding += bytes;
      ws.send(text, () => {
        outstanding -= bytes;
        if (blocked && outstanding < SOCKET_HIGH_WATER / 2) {
          blocked = false;
          drain();
        }
      });
      if (outstanding >= SOCKET_HIGH_WATER) blocked = true;
      return !blocked;
    },
    onDrain(callback) {
      drain = callback;
    },
    pause() {
      ws.pause();
    },
    resume() {
      ws.resume();
    },
    close(reason) {
      ws.close(1008, reason.slice(0, 120));
      setTimeout(() => ws.terminate(), 1000).unref();
    },
  };
  // A network client: bounded by the server's sandbox (see Connection.ownSession).
  const connection = server.connect(transport, 'ws', { ownSession: false });
  const limit = server.limits.maxMessageBytes;
  ws.on('message', (data, isBinary) => {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buffer.length > limit) {
      connection.tooLarge(buffer.length);
      return;
    }
    if (isBinary) {
      connection.refuse('binary frames are not supported; send JSON text frames');
      return;
    }
    connection.receive(buffer.toString('utf8'));
  });
  ws.on('close', () => connection.closed());
  ws.on('error', () => ws.terminate());
}

export async function listenWebSocket(
  server: AppServer,
  options: WebSocketListenOptions,
): Promise<WebSocketListener> {
  if (options.token === '') throw new Error('the WebSocket bearer token is empty');
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: server.limits.maxMessageBytes * 2,
    perMessageDeflate: false,
  });
  const http_ = http.createServer((req, res) => {
    if (req.headers.origin) {
      res.writeHead(403).end();
      return;
    }
    const pathname = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (pathname === '/readyz' || pathname === '/healthz')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  http_.on('upgrade', (req, socket, head) => {
    if (req.headers.origin) return refuse(socket, '403 Forbidden');
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !sameToken(match[1]!.trim(), options.token))
      return refuse(socket, '401 Unauthorized', 'WWW-Authenticate: Bearer\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => attach(server, ws));
  });
  await new Promise<void>((resolve, reject) => {
    http_.once('error', reject);
    http_.listen(options.port, options.host, () => {
      http_.off('error', reject);
      resolve();
    });
  });
  const address = http_.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `ws://${host}:${port}`,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => http_.close(() => resolve()));
      wss.close();
    },
  };
}
