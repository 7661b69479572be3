/**
 * The model emulator's HTTP server: routes OpenAI's endpoints, records every request, and performs
 * the answer `dispatch.ts` decides — plain JSON, or an SSE stream with scripted delays and faults.
 *
 * Every emulator owns its state; nothing is shared between instances, so tests may run many.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sseFrame } from '../../src/model/responses-sse.js';
import type { EmulatorState } from './dispatch.js';
import {
  type Accounting,
  type Action,
  decideChat,
  decideCompact,
  decideModels,
  decideResponses,
} from './dispatch.js';
import { IdGenerator } from './ids.js';
import type { CompactStep, Step, StreamFault } from './script.js';
import { validateStep } from './script.js';
import {
  chatRoutingKey,
  PrefixCache,
  renderChatPrompt,
  renderResponsesPrompt,
  responsesRoutingKey,
} from './tokens.js';
import type { Emulator, EmulatorOptions, RecordedRequest, RequestBody, Wire } from './types.js';
import { invalidJson } from './validate.js';
import { attachWebSocketMode } from './ws-wire.js';

type Json = Record<string, unknown>;

interface Route {
  wire: Wire;
  modelId?: string;
}

function route(method: string, rawUrl: string): Route {
  let path = new URL(rawUrl, 'http://emulator').pathname.replace(/\/+$/, '');
  if (path === '/v1' || path.startsWith('/v1/')) path = path.slice(3);
  if (method === 'POST' && path === '/responses') return { wire: 'responses' };
  if (method === 'POST' && path === '/responses/compact') return { wire: 'compact' };
  if (method === 'POST' && path === '/chat/completions') return { wire: 'chat' };
  if (method === 'GET' && path === '/models') return { wire: 'models' };
  if (method === 'GET' && path.startsWith('/models/')) {
    return { wire: 'models', modelId: decodeURIComponent(path.slice('/models/'.length)) };
  }
  return { wire: 'unknown' };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function accountingFor(wire: Wire, body: Json | undefined): Accounting | undefined {
  if (!body) return undefined;
  if (wire === 'responses' || wire === 'compact') {
    return { routingKey: responsesRoutingKey(body), prompt: renderResponsesPrompt(body) };
  }
  if (wire === 'chat') return { routingKey: chatRoutingKey(body), prompt: renderChatPrompt(body) };
  return undefined;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const script = options.script ?? [];
  const state: EmulatorState = {
    options,
    ids: new IdGenerator(),
    cache: new PrefixCache(),
    steps: Array.isArray(script) ? script.map((step, i) => validateStep(step, `script[${i}]`)) : [],
    stepsUsed: 0,
    compactSteps: [...(options.compact ?? [])],
    problems: [],
  };
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const lifetime = new AbortController();

  const perform = async (action: Action, res: ServerResponse, requestId: string): Promise<void> => {
    if (action.kind === 'json') {
      const text = typeof action.body === 'string' ? action.body : JSON.stringify(action.body);
      res.writeHead(action.status, {
        'content-type': typeof action.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        'x-request-id': requestId,
        ...action.headers,
      });
      res.end(text);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': requestId,
    });
    res.flushHeaders();
    const frames =
      action.kind === 'responses_stream'
        ? action.events.map(sseFrame)
        : action.frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`);
    if (action.kind === 'chat_stream' && action.done) frames.push('data: [DONE]\n\n');
    await writeFrames(res, frames, action, lifetime.signal);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = performance.timeOrigin + performance.now();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const { wire, modelId } = route(method, path);
    const bodyText = await readBody(req);
    let body: RequestBody | undefined;
    let parseFailed = false;
    if (bodyText.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(bodyText);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as RequestBody;
        else parseFailed = true;
      } catch {
        parseFailed = true;
      }
    }
    const accounting = accountingFor(wire, body);
    const measured = accounting ? state.cache.measure(accounting.routingKey, accounting.prompt) : undefined;
    const record: RecordedRequest = {
      seq: requests.length,
      receivedAt,
      method,
      path,
      wire,
      headers: flatHeaders(req),
      bodyText,
      body,
      inputTokens: measured?.inputTokens ?? 0,
      cachedTokens: measured?.cachedTokens ?? 0,
      outcome: 'rejected',
    };

    const media = options.media?.answer({ method, url: path, body, host: req.headers.host ?? '' });
    if (media) {
      Object.assign(record, { wire: 'media', outcome: 'media', inputTokens: 0, cachedTokens: 0 });
      requests.push(record);
      options.onRequest?.(record);
      for (const wake of [...waiters]) wake();
      if (media.status > 0) res.writeHead(media.status, media.headers).end(media.body);
      return;
    }
    let action: Action;
    if (wire === 'unknown') {
      record.outcome = 'not_found';
      const message = `Invalid URL (${method} ${path})`;
      state.problems.push(`request #${record.seq}: ${message}`);
      action = {
        kind: 'json',
        status: 404,
        body: { error: { message, type: 'invalid_request_error', param: null, code: null } },
      };
    } else if (wire === 'models') {
      action = decideModels(state, record, modelId);
    } else if (parseFailed || !body || !accounting) {
      const rejection = invalidJson();
      state.problems.push(`request #${record.seq} (${path}): body is not a JSON object`);
      action = { kind: 'json', status: rejection.status, body: rejection.body };
    } else if (wire === 'responses') {
      action = decideResponses(state, record, accounting);
    } else if (wire === 'chat') {
      action = decideChat(state, record, accounting);
    } else {
      action = decideCompact(state, record, accounting);
    }

    requests.push(record);
    options.onRequest?.(record);
    for (const wake of [...waiters]) wake();
    res.on('close', () => options.onResponseEnd?.(record));
    await perform(action, res, state.ids.next('req'));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: `emulator error: ${String(err)}`, type: 'server_error' } }),
        );
      } else {
        res.destroy();
      }
    });
  });
  const websocketMode = attachWebSocketMode(server, {
    state,
    lifetime: lifetime.signal,
    record: (request) => {
      const record: RecordedRequest = { seq: requests.length, ...request };
      requests.push(record);
      options.onRequest?.(record);
      for (const wake of [...waiters]) wake();
      return record;
    },
    nextSeq: () => requests.length,
    ended: (record) => options.onResponseEnd?.(record),
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    problems: state.problems,
    remainingSteps: () =>
      typeof options.script === 'function' ? Number.POSITIVE_INFINITY : state.steps.length - state.stepsUsed,
    addSteps: (...steps: Step[]) => {
      if (typeof options.script === 'function') throw new Error('addSteps: the script is a function');
      steps.forEach((step, i) => {
        state.steps.push(validateStep(step, `addSteps[${i}]`));
      });
    },
    addCompactSteps: (...steps: CompactStep[]) => {
      state.compactSteps.push(...steps);
    },
    // A wait, not a deadline: it returns as soon as the requests are there. Generous, because a
    // spawned binary on a loaded 2-core machine can take many seconds to send its first request.
    waitForRequests: (count, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (requests.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(requests.slice(0, count));
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waitForRequests: ${requests.length} of ${count} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    forgetResponses: () => websocketMode.forgetResponses(),
    close: async () => {
      lifetime.abort();
      websocketMode.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Writes SSE frames with the step's delay, applying its fault when `afterEvents` frames are out. */
async function writeFrames(
  res: ServerResponse,
  frames: string[],
  action: Extract<Action, { kind: 'responses_stream' | 'chat_stream' }>,
  lifetime: AbortSignal,
): Promise<void> {
  const gone = () => lifetime.aborted || res.destroyed || res.writableEnded;
  let flushed: Promise<unknown> = Promise.resolve();
  for (let i = 0; i <= frames.length; i++) {
    if (gone()) return;
    if (action.fault && action.fault.afterEvents === i) {
      // Let the events before the fault reach the client first, as they would have on a real link.
      await flushed;
      if (!gone()) applyFault(res, action.fault, action.kind, i);
      return;
    }
    if (i === frames.length) break;
    if (i > 0 && action.delayMs) {
      try {
        await sleep(action.delayMs, undefined, { signal: lifetime });
      } catch {
        return;
      }
      if (gone()) return;
    }
    flushed = new Promise((resolve) => res.write(frames[i] ?? '', resolve));
  }
  res.end();
}

function applyFault(res: ServerResponse, fault: StreamFault, kind: Action['kind'], sequence: number): void {
  switch (fault.kind) {
    case 'close':
      // Destroying mid-body (chunked encoding unfinished) is what a dropped connection looks like.
      res.destroy();
      return;
    case 'end':
      res.end();
      return;
    case 'stall':
      return;
    case 'malformed':
      res.end(
        kind === 'responses_stream'
          ? 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":\n\n'
          : 'data: {"id":"chatcmpl-broken","choices":[{"delta":\n\n',
      );
      return;
    case 'error_event': {
      const error = { type: 'server_error', code: fault.code, message: fault.message, param: null };
      const data =
        kind === 'chat_stream'
          ? { error }
          : fault.nested
            ? { type: 'error', sequence_number: sequence, error }
            : {
                type: 'error',
                sequence_number: sequence,
                code: fault.code,
                message: fault.message,
                param: null,
              };
      const frame = `${kind === 'chat_stream' ? '' : 'event: error\n'}data: ${JSON.stringify(data)}\n\n`;
      res.end(frame);
      return;
    }
  }
}
