/**
 * The Responses WebSocket mode against the emulator's: one connection per client, continuations
 * that send only the new items with `previous_response_id`, and HTTP — with the very request Spool
 * sends without the mode — whenever the mode fails.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Thread } from '../../src/agent/thread.js';
import type { HttpEndpoint } from '../../src/model/endpoint.js';
import { ResponsesClient } from '../../src/model/responses-client.js';
import { ResponsesSocket } from '../../src/model/responses-socket.js';
import { ResponsesWsClient } from '../../src/model/responses-ws-client.js';
import type { ModelEvent, ModelRequest } from '../../src/model/types.js';
import type { HistoryItem } from '../../src/protocol/items.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  say,
  startEmulator,
  think,
} from '../emulator/index.js';
import { testSettings } from '../support/thread.js';
import { type RunLog, writeTool } from '../support/tools.js';

let emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function emulatorWith(...args: Parameters<typeof startEmulator>): Promise<Emulator> {
  const emulator = await startEmulator(...args);
  emulators.push(emulator);
  return emulator;
}

function endpoint(url: string, idleTimeoutMs = 10_000): HttpEndpoint {
  return {
    baseURL: url,
    apiKey: 'test-key',
    idleTimeoutMs,
    errorContext: { apiKeyEnvVar: 'OPENAI_API_KEY', providerName: 'OpenAI' },
    supportsWebsockets: true,
  };
}

function request(input: HistoryItem[]): ModelRequest {
  return {
    model: 'gpt-5',
    instructions: 'Be brief. '.repeat(600),
    input,
    tools: [],
    parallelToolCalls: false,
    reasoning: { effort: 'low' },
    promptCacheKey: 'thread-1',
  };
}

const user = (text: string): HistoryItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

async function collect(stream: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The output items of a collected stream, as history keeps them. */
function outputOf(events: ModelEvent[]): HistoryItem[] {
  return events.flatMap((e) => (e.type === 'item_done' ? [e.item] : []));
}

/** What the plain HTTP client sends for `req`: the body text the WebSocket mode falls back to. */
async function httpBodyText(req: ModelRequest): Promise<string> {
  const emulator = await emulatorWith({ script: [respond(say('x'))] });
  await collect(
    new ResponsesClient({ ...endpoint(emulator.url), supportsWebsockets: false }).stream(
      req,
      new AbortController().signal,
    ),
  );
  return emulator.requests[0]!.bodyText;
}

const overSocket = (r: RecordedRequest) => r.transport === 'websocket';

describe('Responses over a WebSocket connection', () => {
  it('sends the first request whole and then only the new items with previous_response_id', async () => {
    const emulator = await emulatorWith({
      script: [respond(think('one'), say('first')), respond(say('second')), respond(say('third'))],
    });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    const signal = new AbortController().signal;
    const history: HistoryItem[] = [user('hello')];
    history.push(...outputOf(await collect(client.stream(request(history), signal))));
    history.push(user('and again'));
    const second = await collect(client.stream(request(history), signal));
    expect(second.at(-1)).toMatchObject({ type: 'completed' });
    history.push(...outputOf(second), user('once more'));
    await collect(client.stream(request(history), signal));
    client.close();

    expect(emulator.requests.map(overSocket)).toEqual([true, true, true]);
    const [first, next, last] = emulator.requests as [RecordedRequest, RecordedRequest, RecordedRequest];
    expect(first.body).toMatchObject({ type: 'response.create', store: false });
    expect(first.body).not.toHaveProperty('previous_response_id');
    expect(first.body).not.toHaveProperty('stream');
    expect(first.body!.input).toHaveLength(1);
    // Only the user's new message: the reasoning and the answer are the server's already.
    expect(next.body).toMatchObject({ previous_response_id: 'resp_0001', input: [user('and again')] });
    expect(last.body).toMatchObject({ previous_response_id: 'resp_0002', input: [user('once more')] });
    // The server continued from everything: the first request's input and its output, then the new item.
    expect((next.effectiveBody!.input as unknown[]).length).toBe(4);
    expect(client.stats).toMatchObject({
      connections: 1,
      socketRequests: 3,
      chainedRequests: 2,
      httpRequests: 0,
    });
    // Cached: the previous response's whole context, at least what resending it over HTTP would hit.
    expect(next.cachedTokens).toBeGreaterThan(first.inputTokens - 128);
    expect(emulator.problems).toEqual([]);
  });

  it('sends everything again when the history is not an extension of the last context (compaction)', async () => {
    const emulator = await emulatorWith({ script: [respond(say('a')), respond(say('b'))] });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    const signal = new AbortController().signal;
    await collect(client.stream(request([user('one')]), signal));
    await collect(client.stream(request([user('replaced history'), user('two')]), signal));
    client.close();
    const second = emulator.requests[1]!;
    expect(second.transport).toBe('websocket');
    expect(second.body).not.toHaveProperty('previous_response_id');
    expect(second.body!.input).toEqual([user('replaced history'), user('two')]);
  });

  it('falls back to HTTP, byte for byte the plain request, when the server has no WebSocket mode', async () => {
    const emulator = await emulatorWith({
      websockets: false,
      script: [respond(say('a')), respond(say('b'))],
    });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    const signal = new AbortController().signal;
    const first = request([user('one')]);
    expect((await collect(client.stream(first, signal))).at(-1)).toMatchObject({ type: 'completed' });
    await collect(client.stream(request([user('one'), user('two')]), signal));
    expect(emulator.requests.map((r) => [r.method, r.transport])).toEqual([
      ['POST', undefined],
      ['POST', undefined],
    ]);
    expect(emulator.requests[0]!.bodyText).toBe(await httpBodyText(first));
    // The refusal is remembered: the second request did not try the socket again.
    expect(client.stats).toMatchObject({ httpOnly: true, connections: 0, httpRequests: 2 });
  });

  it('falls back to HTTP with the whole history when the server lost previous_response_id', async () => {
    const emulator = await emulatorWith({
      script: [respond(say('a')), respond(say('b')), respond(say('c'))],
    });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    const signal = new AbortController().signal;
    const history: HistoryItem[] = [user('one')];
    history.push(...outputOf(await collect(client.stream(request(history), signal))), user('two'));
    emulator.forgetResponses();
    const second = await collect(client.stream(request(history), signal));
    expect(second.filter((e) => e.type === 'failed')).toEqual([]);
    expect(second.at(-1)).toMatchObject({ type: 'completed' });
    expect(outputOf(second)).toMatchObject([{ type: 'message', role: 'assistant' }]);
    history.push(...outputOf(second), user('three'));
    await collect(client.stream(request(history), signal));
    client.close();

    const [, refused, fallback, reconnected] = emulator.requests;
    expect(refused).toMatchObject({ transport: 'websocket', outcome: 'rejected' });
    expect(refused!.body).toMatchObject({ previous_response_id: 'resp_0001' });
    expect(emulator.problems).toEqual([
      "request #1 (websocket) rejected: Previous response with id 'resp_0001' not found.",
    ]);
    expect(fallback).toMatchObject({ method: 'POST', outcome: 'response' });
    expect(fallback!.bodyText).toBe(await httpBodyText(request(history.slice(0, 3))));
    // The next request opens a new connection and sends everything on it.
    expect(reconnected).toMatchObject({ transport: 'websocket', outcome: 'response' });
    expect(reconnected!.body).not.toHaveProperty('previous_response_id');
    expect(reconnected!.body!.input).toHaveLength(5);
    expect(client.stats.connections).toBe(2);
  });

  it('reports a socket dropped mid-response like a dropped stream; its retry goes over HTTP', async () => {
    const emulator = await emulatorWith({
      script: [
        respond(say('a long answer '.repeat(20)), { fault: { kind: 'close', afterEvents: 6 } }),
        respond(say('b')),
      ],
    });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    const signal = new AbortController().signal;
    const dropped = await collect(client.stream(request([user('one')]), signal));
    expect(dropped.some((e) => e.type === 'text_delta')).toBe(true);
    expect(dropped.at(-1)).toMatchObject({
      type: 'failed',
      error: { kind: 'stream_closed', retryable: true },
    });
    const retried = await collect(client.stream(request([user('one')]), signal));
    expect(retried.at(-1)).toMatchObject({ type: 'completed' });
    expect(emulator.requests.map((r) => r.method)).toEqual(['WS', 'POST']);
    expect(emulator.requests[1]!.bodyText).toBe(await httpBodyText(request([user('one')])));
  });
});

describe('at most once across a dropped socket', () => {
  it('runs a tool that arrived before the socket dropped once, and continues from history', async () => {
    const log: RunLog = { runs: [] };
    const emulator = await emulatorWith({
      script: [
        // The call's output_item.done is event 6; the socket drops before response.completed.
        respond(call('write_marker', { name: 'a' }), { fault: { kind: 'close', afterEvents: 6 } }),
        respond(say('done')),
        respond(say('and more')),
      ],
    });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    const thread = new Thread({
      client,
      settings: testSettings(),
      tools: new ToolRegistry([writeTool(log)]),
    });
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'done' });
    expect(log.runs).toHaveLength(1);
    const retry = emulator.requests[1]!;
    expect(retry.method).toBe('POST');
    const input = retry.body!.input as Array<Record<string, unknown>>;
    expect(input.slice(-2)).toMatchObject([
      { type: 'function_call', name: 'write_marker' },
      { type: 'function_call_output', output: 'wrote a' },
    ]);
    // The next turn is back on a (new) connection, sending everything once, and then chains.
    expect(await thread.runTurn('more')).toMatchObject({ status: 'completed', finalMessage: 'and more' });
    expect(emulator.requests[2]).toMatchObject({ transport: 'websocket' });
    expect(emulator.requests[2]!.body).not.toHaveProperty('previous_response_id');
    expect(emulator.problems).toEqual([]);
    await thread.close();
  });
});

describe('opening the connection ahead of the first request', () => {
  it('uses the connection opened by preconnect for the first request', async () => {
    const emulator = await emulatorWith({ script: [respond(say('a'))] });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    client.preconnect();
    client.preconnect();
    const events = await collect(client.stream(request([user('one')]), new AbortController().signal));
    expect(events.at(-1)).toMatchObject({ type: 'completed' });
    expect(client.stats).toMatchObject({ connections: 1, socketRequests: 1, httpRequests: 0 });
    client.close();
  });

  it('meets a refused preconnect with HTTP on the first request', async () => {
    const emulator = await emulatorWith({ websockets: false, script: [respond(say('a'))] });
    const client = new ResponsesWsClient(endpoint(emulator.url));
    client.preconnect();
    const events = await collect(client.stream(request([user('one')]), new AbortController().signal));
    expect(events.at(-1)).toMatchObject({ type: 'completed' });
    expect(emulator.requests.map((r) => r.method)).toEqual(['POST']);
    expect(client.stats).toMatchObject({ httpOnly: true, connections: 0, httpRequests: 1 });
    client.close();
  });

  it('an abort before or during the handshake rejects the connection and throws nothing at the process', async () => {
    // A server that accepts the TCP connection and never answers the upgrade.
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const url = `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/v1/responses`;
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const options = { url, headers: {}, connectTimeoutMs: 10_000, maxMessageBytes: 1 << 20 };
      await expect(ResponsesSocket.open({ ...options, signal: AbortSignal.abort() })).rejects.toThrow(
        'WebSocket connection aborted',
      );
      const during = new AbortController();
      const opening = ResponsesSocket.open({ ...options, signal: during.signal });
      setTimeout(() => during.abort(), 50);
      await expect(opening).rejects.toThrow('WebSocket connection aborted');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      silent.close();
    }
  });
});
