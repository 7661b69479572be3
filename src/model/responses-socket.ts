/**
 * One persistent WebSocket connection to `/responses` (the Responses API's WebSocket mode): a
 * client sends one `response.create` message per request and reads that response's events, the
 * same JSON objects the HTTP endpoint streams as SSE, one per text frame, until its terminal event.
 * One response at a time per connection.
 *
 * `ws` is imported when a connection is first opened, so a process that never uses the mode never
 * loads it. Nothing here throws out of a read: a closed or broken connection ends the read with an
 * `Error` that `classifyException` turns into a retryable `stream_closed` failure.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';

/** The beta header Codex sends on the handshake of this mode. */
const RESPONSES_WEBSOCKETS_BETA = 'responses_websockets=2026-02-06';

/** The events that end one response (an `error` event ends it too: no response follows it). */
const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete', 'error']);

/** The handshake was answered with HTTP instead of an upgrade: the server has no WebSocket mode. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`the server answered the WebSocket handshake with HTTP ${status}`);
  }
}

/** `https://host/v1` → `wss://host/v1/responses`, with the endpoint's query parameters. */
export function responsesSocketUrl(baseURL: string, query: Record<string, string> = {}): string {
  const url = new URL(`${baseURL.replace(/\/+$/, '')}/responses`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

export interface SocketOptions {
  url: string;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  /** The largest message read; a larger one closes the connection (code 1009). */
  maxMessageBytes: number;
  signal: AbortSignal;
}

type Pending = { kind: 'event'; value: unknown } | { kind: 'end'; error: Error };

/** The error a connection cut by an abort reports; the attempt already ended with the abort. */
function abortedHandshake(err: Error): void {
  void err;
}

export class ResponsesSocket {
  private readonly queue: Pending[] = [];
  private wake: (() => void) | undefined;
  private ended: Error | undefined;
  /** Bytes of every message sent on this connection. */
  sentBytes = 0;

  private constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under the connection: unref'd while no response is awaited. */
    private readonly tcp: Socket | undefined,
  ) {
    // An idle connection does not keep the process alive (a finished `spool exec` exits).
    tcp?.unref();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return this.finish(new Error('unexpected binary WebSocket message'));
      const text = rawText(data);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        // A malformed event: the read fails with it (classified as bad_response).
        if (err instanceof SyntaxError) return this.push({ kind: 'end', error: err });
        throw err;
      }
      this.push({ kind: 'event', value });
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
      this.finish(new Error(`WebSocket closed (code ${code}${why})`));
    });
    ws.on('error', (err: Error) => this.finish(err));
  }

  /** Opens a connection; rejects with `HandshakeRefused`, a network error, or on timeout/abort. */
  static async open(options: SocketOptions): Promise<ResponsesSocket> {
    const { WebSocket: Ws } = await import('ws');
    const ws = new Ws(options.url, {
      headers: { ...options.headers, 'OpenAI-Beta': RESPONSES_WEBSOCKETS_BETA },
      handshakeTimeout: options.connectTimeoutMs,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
    });
    let tcp: Socket | undefined;
    ws.once('upgrade', (response: IncomingMessage) => {
      tcp = response.socket as Socket;
    });
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        done();
        // terminate() while still connecting reports the cut handshake as an 'error' event, after
        // this attempt has been rejected with the abort; without a listener it would throw at the
        // process (an abort that came before the listeners below were attached).
        ws.on('error', abortedHandshake);
        ws.terminate();
        reject(new Error('WebSocket connection aborted'));
      };
      const done = () => {
        options.signal.removeEventListener('abort', onAbort);
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('unexpected-response', onRefused);
      };
      const onOpen = () => {
        done();
        resolve();
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      const onRefused = (request: ClientRequest, response: IncomingMessage) => {
        done();
        response.resume();
        request.destroy();
        reject(new HandshakeRefused(response.statusCode ?? 0));
      };
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      ws.on('open', onOpen);
      ws.on('error', onError);
      ws.on('unexpected-response', onRefused);
    });
    return new ResponsesSocket(ws, tcp);
  }

  /** True while the connection can carry another request. */
  get usable(): boolean {
    return this.ended === undefined && this.ws.readyState === this.ws.OPEN;
  }

  /** Sends one `response.create` message. */
  send(text: string): void {
    // Stray events of an earlier response (after its terminal event) are not this one's.
    const end = this.queue.find((entry) => entry.kind === 'end');
    this.queue.length = 0;
    if (end) this.queue.push(end);
    this.sentBytes += Buffer.byteLength(text);
    this.tcp?.ref();
    this.ws.send(text);
  }

  /**
   * The events of the response just requested, up to and including its terminal event. Leaving
   * before the terminal event (an abort, an idle timeout) closes the connection: the rest of that
   * response would otherwise arrive as the next request's events.
   */
  async *events(signal: AbortSignal): AsyncGenerator<unknown> {
    let terminal = false;
    const onAbort = () => this.finish(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const next = this.queue.shift();
        if (!next) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          continue;
        }
        if (next.kind === 'end') throw next.error;
        const type = (next.value as { type?: unknown } | null)?.type;
        // Known before the yield: a reader that stops at the terminal event leaves the connection open.
        terminal = typeof type === 'string' && TERMINAL.has(type);
        yield next.value;
        if (terminal) return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.tcp?.unref();
      if (!terminal) this.close();
    }
  }

  /** Closes the connection at once (an in-flight response is abandoned). */
  close(): void {
    this.finish(new Error('WebSocket closed by the client'));
    this.ws.terminate();
  }

  private push(entry: Pending): void {
    if (this.ended) return;
    if (entry.kind === 'end') this.ended = entry.error;
    this.queue.push(entry);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private finish(error: Error): void {
    this.push({ kind: 'end', error });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
