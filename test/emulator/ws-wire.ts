/**
 * The Responses API's WebSocket mode: `GET /v1/responses` upgraded to a WebSocket, one
 * `response.create` message per request, the answer's events one JSON object per text frame (the
 * same objects the SSE stream carries in its `data:` lines).
 *
 * What the server keeps, as OpenAI documents it for `store: false`: per connection, in memory, the
 * most recent completed response — its request's whole input followed by its output items. A
 * request with `previous_response_id` naming that response continues it: its effective input is
 * that context followed by the items the message carries. Any other id (a new connection, an older
 * response, a response that failed, `forgetResponses()`) is answered with an `error` event
 * `previous_response_not_found` (HTTP status 400), and the connection stays open.
 *
 * Each message is recorded like an HTTP request (`transport: 'websocket'`, `method: 'WS'`,
 * `bodyText` the message as sent) and answered by the same decision as `POST /responses`
 * (dispatch.ts), applied to the effective body (`effectiveBody`), so checks, steps, the context
 * window and the prefix cache are the HTTP endpoint's. After a completed response the cache also
 * remembers its whole context, input and output: a continuation's cached prefix is the previous
 * response's full context.
 *
 * Faults of a step: `close` terminates the socket after K events (a dropped connection), `end`
 * closes it cleanly, `stall` stops sending, `malformed` sends a frame that is not JSON,
 * `error_event` sends an `error` event. `websockets: false` in the options answers the upgrade with
 * HTTP 404, as a server without the mode does.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { openAiErrorBody } from './builders.js';
import { decideResponses, type EmulatorState } from './dispatch.js';
import type { SseEvent } from './responses-wire.js';
import type { StreamFault } from './script.js';
import { canonicalJson, renderResponsesPrompt, responsesRoutingKey } from './tokens.js';
import type { RecordedRequest, RequestBody } from './types.js';

type Json = Record<string, unknown>;

interface Connection {
  ws: WebSocket;
  headers: Record<string, string>;
  /** The most recent completed response on this connection, as the server keeps it. */
  last?: { id: string; context: Json[] };
  busy: boolean;
}

export interface WebSocketMode {
  /** Drops every connection's kept response (as a server that lost its in-memory state). */
  forgetResponses(): void;
  close(): void;
}

export interface WebSocketModeDeps {
  state: EmulatorState;
  /** Records a decided request (numbering, `onRequest`, waiters), as the HTTP side does. */
  record(request: Omit<RecordedRequest, 'seq'>): RecordedRequest;
  /** Numbers the next request (then recorded with `record` before anything else is). */
  nextSeq(): number;
  /** The answer to a request has ended (`onResponseEnd`). */
  ended(request: RecordedRequest): void;
  /** Ends the emulator's streams when it closes. */
  lifetime: AbortSignal;
}

function isResponsesPath(rawUrl: string): boolean {
  const path = new URL(rawUrl, 'http://emulator').pathname.replace(/\/+$/, '');
  return path === '/v1/responses' || path === '/responses';
}

function refuse(socket: Duplex, rawUrl: string): void {
  const body = JSON.stringify(openAiErrorBody(`Invalid URL (GET ${rawUrl})`, 'invalid_request_error', null));
  socket.end(
    `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function flat(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** An item as the server keeps it for a continuation: without its id (`store: false`). */
function kept(item: Json): Json {
  const { id: _id, ...rest } = item;
  return rest;
}

/** OpenAI's `error` event of the WebSocket mode: the HTTP status and the error object. */
function errorEvent(status: number, body: unknown): Json {
  const error = (body as { error?: unknown } | undefined)?.error ?? {
    message: String(body),
    type: 'server_error',
    code: null,
    param: null,
  };
  return { type: 'error', status, error };
}

export function attachWebSocketMode(server: Server, deps: WebSocketModeDeps): WebSocketMode {
  const { state } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 256 * 1024 * 1024,
  });
  const connections = new Set<Connection>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '/';
    if (state.options.websockets === false || !isResponsesPath(url)) return refuse(socket, url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Connection = { ws, headers: flat(req), busy: false };
      connections.add(conn);
      ws.on('close', () => connections.delete(conn));
      ws.on('message', (data: RawData) => {
        void onMessage(conn, rawText(data)).catch((err: unknown) => {
          state.problems.push(`websocket: emulator error: ${String(err)}`);
          ws.terminate();
        });
      });
    });
  });

  const send = (conn: Connection, event: Json | string): Promise<void> =>
    new Promise((resolve) => {
      if (conn.ws.readyState !== conn.ws.OPEN) return resolve();
      conn.ws.send(typeof event === 'string' ? event : JSON.stringify(event), () => resolve());
    });

  const onMessage = async (conn: Connection, text: string): Promise<void> => {
    const receivedAt = performance.timeOrigin + performance.now();
    let sent: Json | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) sent = parsed as Json;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
    const base = {
      receivedAt,
      method: 'WS',
      path: '/v1/responses',
      wire: 'responses' as const,
      headers: conn.headers,
      bodyText: text,
      body: sent as RequestBody | undefined,
      inputTokens: 0,
      cachedTokens: 0,
      outcome: 'rejected' as const,
      transport: 'websocket' as const,
    };
    const reject = async (status: number, message: string, code: string | null, param: string | null) => {
      state.problems.push(`request #${deps.nextSeq()} (websocket) rejected: ${message}`);
      const record = deps.record(base);
      conn.last = undefined;
      await send(conn, errorEvent(status, openAiErrorBody(message, 'invalid_request_error', code, param)));
      deps.ended(record);
    };

    if (sent?.type !== 'response.create') {
      return reject(400, "Expected a JSON object with type 'response.create'.", 'invalid_event', 'type');
    }
    if (conn.busy) {
      return reject(
        400,
        'A response is already in progress on this connection; wait for it to finish.',
        'response_in_progress',
        null,
      );
    }
    const { type: _type, ...fields } = sent;
    const previous = fields.previous_response_id;
    let prior: Json[] = [];
    if (previous !== undefined && previous !== null) {
      if (conn.last?.id !== previous) {
        return reject(
          400,
          `Previous response with id '${String(previous)}' not found.`,
          'previous_response_not_found',
          'previous_response_id',
        );
      }
      prior = conn.last.context;
    }
    const ownInput = Array.isArray(fields.input)
      ? (fields.input as Json[])
      : fields.input === undefined
        ? []
        : [{ role: 'user', content: fields.input }];
    // Responses are always streamed over the socket.
    const effective: Json = { ...fields, input: [...prior, ...ownInput], stream: true };
    const routingKey = responsesRoutingKey(effective);
    const prompt = renderResponsesPrompt(effective);
    const measured = state.cache.measure(routingKey, prompt);
    // The decision sees the request as the server acts on it (a script function reads the whole input).
    const shadow: RecordedRequest = {
      ...base,
      seq: deps.nextSeq(),
      inputTokens: measured.inputTokens,
      cachedTokens: measured.cachedTokens,
      body: effective as RequestBody,
    };
    const action = decideResponses(state, shadow, { routingKey, prompt });
    const record = deps.record({
      ...base,
      inputTokens: measured.inputTokens,
      cachedTokens: measured.cachedTokens,
      effectiveBody: effective as RequestBody,
      outcome: shadow.outcome,
      ...(shadow.stepIndex !== undefined ? { stepIndex: shadow.stepIndex } : {}),
    });
    conn.last = undefined;

    if (action.kind === 'json') {
      await send(conn, errorEvent(action.status, action.body));
      deps.ended(record);
      return;
    }
    if (action.kind !== 'responses_stream') throw new Error(`unexpected action ${action.kind}`);
    conn.busy = true;
    try {
      const completed = await writeEvents(conn, action.events, action, deps.lifetime, send);
      if (completed) {
        const output = ((completed.output as Json[] | undefined) ?? []).map(kept);
        const input = effective.input as Json[];
        conn.last = { id: String(completed.id), context: [...input, ...output] };
        // The rendered context: the request's rendering with the output items appended to its input
        // array (the input renders last), without rendering the whole history again.
        const outputs = output.map(canonicalJson).join(',');
        const context =
          output.length === 0 ? prompt : `${prompt.slice(0, -1)}${input.length > 0 ? ',' : ''}${outputs}]`;
        state.cache.remember(routingKey, context);
      }
    } finally {
      conn.busy = false;
      deps.ended(record);
    }
  };

  return {
    forgetResponses() {
      for (const conn of connections) conn.last = undefined;
    },
    close() {
      for (const conn of connections) conn.ws.terminate();
      wss.close();
    },
  };
}

/**
 * Sends a response's events with the step's delay and fault; resolves with the completed response
 * object when `response.completed` went out whole, else undefined.
 */
async function writeEvents(
  conn: Connection,
  events: SseEvent[],
  action: { fault?: StreamFault; delayMs?: number },
  lifetime: AbortSignal,
  send: (conn: Connection, event: Json | string) => Promise<void>,
): Promise<Json | undefined> {
  const gone = () => lifetime.aborted || conn.ws.readyState !== conn.ws.OPEN;
  let completed: Json | undefined;
  for (let i = 0; i <= events.length; i++) {
    if (gone()) return undefined;
    if (action.fault && action.fault.afterEvents === i) {
      await applyFault(conn, action.fault, i, send);
      return undefined;
    }
    if (i === events.length) break;
    if (i > 0 && action.delayMs) {
      try {
        await sleep(action.delayMs, undefined, { signal: lifetime });
      } catch (err) {
        if ((err as { name?: string }).name === 'AbortError') return undefined;
        throw err;
      }
      if (gone()) return undefined;
    }
    const event = events[i] as SseEvent;
    await send(conn, event.data);
    if (event.event === 'response.completed') completed = event.data.response as Json;
  }
  return completed;
}

async function applyFault(
  conn: Connection,
  fault: StreamFault,
  sequence: number,
  send: (conn: Connection, event: Json | string) => Promise<void>,
): Promise<void> {
  switch (fault.kind) {
    case 'close':
      conn.ws.terminate();
      return;
    case 'end':
      conn.ws.close(1000);
      return;
    case 'stall':
      return;
    case 'malformed':
      await send(conn, '{"type":"response.output_text.delta","delta":');
      return;
    case 'error_event': {
      const error = { type: 'server_error', code: fault.code, message: fault.message, param: null };
      await send(
        conn,
        fault.nested
          ? { type: 'error', sequence_number: sequence, error }
          : {
              type: 'error',
              sequence_number: sequence,
              code: fault.code,
              message: fault.message,
              param: null,
            },
      );
      return;
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
