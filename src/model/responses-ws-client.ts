/**
 * The Responses client over the WebSocket mode (`supports_websockets = true` on a provider): one
 * persistent connection per client, and so per thread; after a response completed on it, the next
 * request sends only the new input items with `previous_response_id` (ws-chain.ts).
 *
 * HTTP stays the ground truth. Every failure of the WebSocket path lands on the HTTP client, whose
 * request is byte for byte the one Spool sends without the mode (the whole history, so the prefix
 * cache is kept):
 * - the server answers the handshake with HTTP (it has no WebSocket mode): this request and every
 *   later one of the client go over HTTP;
 * - a request fails before any output arrived (the connection could not be opened, the server lost
 *   `previous_response_id`, an error event, the socket dropped early): the same call goes on over
 *   HTTP, so the loop sees one attempt;
 * - it fails after output arrived (the socket dropped mid-response): the failure is reported like a
 *   dropped HTTP stream, so the loop's retry follows from history (the tool calls that arrived were
 *   committed with their outputs and are never run again), and that retry goes over HTTP;
 * - after `MAX_SOCKET_FAILURES` failures the client stays on HTTP.
 * The connection after a failure is a new one, and its first request sends everything.
 */
import type { HistoryItem } from '../protocol/items.js';
import { streamAttempt } from './attempt-stream.js';
import type { HttpEndpoint } from './endpoint.js';
import { DEFAULT_MAX_TOOL_INPUT_BYTES, maxEventChars } from './oversized-calls.js';
import { ResponsesClient, responsesRequestBody } from './responses-client.js';
import { ResponsesStreamTranslator } from './responses-events.js';
import { HandshakeRefused, ResponsesSocket, responsesSocketUrl } from './responses-socket.js';
import type { CompactOutcome, ModelClient, ModelError, ModelEvent, ModelRequest } from './types.js';
import { type ChainState, createMessage, settingsKey } from './ws-chain.js';

/** Failures of the WebSocket path after which a client uses HTTP only. */
const MAX_SOCKET_FAILURES = 3;
/** Codex's default `websocket_connect_timeout_ms`. */
const DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS = 15_000;

/** What a client reports about its transport (for tests and the bench). */
export interface WsClientStats {
  /** Requests sent over the WebSocket connection, and how many of them chained. */
  socketRequests: number;
  chainedRequests: number;
  /** Requests sent over HTTP. */
  httpRequests: number;
  /** Connections opened. */
  connections: number;
  /** True once the client uses HTTP only. */
  httpOnly: boolean;
}

export class ResponsesWsClient implements ModelClient {
  private readonly http: ResponsesClient;
  private socket: ResponsesSocket | undefined;
  private chain: ChainState | undefined;
  private busy = false;
  private httpOnly = false;
  private httpNext = false;
  private failures = 0;
  readonly stats: WsClientStats = {
    socketRequests: 0,
    chainedRequests: 0,
    httpRequests: 0,
    connections: 0,
    httpOnly: false,
  };

  /** A connection being opened ahead of the first request (see `preconnect`). */
  private opening: Promise<ResponsesSocket> | undefined;
  /** Aborts a connection still being opened when the client closes. */
  private readonly lifetime = new AbortController();

  constructor(private readonly endpoint: HttpEndpoint) {
    this.http = new ResponsesClient(endpoint);
  }

  /**
   * Starts opening the connection now, so the handshake overlaps whatever comes before the first
   * request (the thread's context, the session log). Never rejects: a failure is met again, and
   * handled, by the first request.
   */
  preconnect(): void {
    if (this.httpOnly || this.socket || this.opening) return;
    this.opening = this.open(this.lifetime.signal);
    this.opening.catch((err: unknown) => err);
  }

  compact(request: ModelRequest, signal: AbortSignal): Promise<CompactOutcome> {
    return this.http.compact(request, signal);
  }

  stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    return this.run(request, signal);
  }

  /** Closes the connection (the thread is done with the client). */
  close(): void {
    this.lifetime.abort();
    this.reset();
  }

  private async *run(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    // One response at a time per connection: a concurrent request takes HTTP.
    if (this.httpOnly || this.busy || this.httpNext) {
      this.httpNext = false;
      yield* this.overHttp(request, signal);
      return;
    }
    this.busy = true;
    try {
      let output = false;
      let failure: ModelError | undefined;
      for await (const event of this.overSocket(request, signal)) {
        if (event.type === 'failed') {
          failure = event.error;
          break;
        }
        if (event.type !== 'created') output = true;
        yield event;
      }
      if (!failure) return;
      this.reset();
      // Not the transport's failure: the answer itself (cut short, or the caller stopped).
      if (failure.kind === 'aborted' || failure.kind === 'incomplete' || signal.aborted) {
        yield { type: 'failed', error: failure };
        return;
      }
      if (++this.failures >= MAX_SOCKET_FAILURES) this.useHttpOnly();
      if (output) {
        this.httpNext = true;
        yield { type: 'failed', error: failure };
        return;
      }
      yield* this.overHttp(request, signal);
    } finally {
      this.busy = false;
    }
  }

  private overHttp(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
    this.stats.httpRequests++;
    return this.http.stream(request, signal);
  }

  private useHttpOnly(): void {
    this.httpOnly = true;
    this.stats.httpOnly = true;
  }

  private reset(): void {
    this.socket?.close();
    this.socket = undefined;
    this.chain = undefined;
  }

  private async connection(signal: AbortSignal): Promise<ResponsesSocket> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening) {
      // A preconnect's failure is this request's (the fallback then takes over).
      const socket = await opening;
      if (socket.usable) return socket;
    }
    if (this.socket?.usable) return this.socket;
    return this.open(signal);
  }

  private async open(signal: AbortSignal): Promise<ResponsesSocket> {
    this.reset();
    const { endpoint } = this;
    const maxInput = endpoint.maxToolInputBytes ?? DEFAULT_MAX_TOOL_INPUT_BYTES;
    try {
      this.socket = await ResponsesSocket.open({
        url: responsesSocketUrl(endpoint.baseURL, endpoint.query),
        headers: {
          ...(endpoint.apiKey !== undefined ? { Authorization: `Bearer ${endpoint.apiKey}` } : {}),
          ...endpoint.headers,
        },
        connectTimeoutMs: endpoint.websocketConnectTimeoutMs ?? DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS,
        maxMessageBytes: maxEventChars(maxInput),
        signal,
      });
    } catch (err) {
      // A server that answers the upgrade with plain HTTP has no WebSocket mode.
      if (err instanceof HandshakeRefused) this.useHttpOnly();
      throw err;
    }
    this.stats.connections++;
    return this.socket;
  }

  /** One attempt over the connection; records the chain when the response completes. */
  private overSocket(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    const maxInput = this.endpoint.maxToolInputBytes ?? DEFAULT_MAX_TOOL_INPUT_BYTES;
    const translator = new ResponsesStreamTranslator(this.endpoint.errorContext, maxInput);
    const body = responsesRequestBody(request);
    const sentInput = request.input.slice();
    const received: HistoryItem[] = [];
    let chainable = true;
    return streamAttempt({
      signal,
      endpoint: this.endpoint,
      open: async (attemptSignal) => {
        const socket = await this.connection(attemptSignal);
        const { message, chained } = createMessage(body, this.chain);
        this.chain = undefined;
        socket.send(JSON.stringify(message));
        this.stats.socketRequests++;
        if (chained) this.stats.chainedRequests++;
        return socket.events(attemptSignal);
      },
      push: (raw) => {
        const events = translator.push(raw);
        for (const event of events) {
          if (event.type === 'item_done') {
            received.push(event.item);
            // History keeps a placeholder for an oversized call, the server the call itself: the
            // next request must send history as it is.
            if (event.oversizedInput) chainable = false;
          } else if (event.type === 'completed' && chainable && event.responseId) {
            this.chain = {
              responseId: event.responseId,
              settings: settingsKey(body),
              context: [...sentInput, ...received],
            };
          }
        }
        return events;
      },
      finished: () => translator.finished,
      end: () => [
        {
          type: 'failed',
          error: {
            kind: 'stream_closed',
            message: 'stream closed before response.completed',
            retryable: true,
          },
        },
      ],
    });
  }
}
