/**
 * The emulator's Responses WebSocket mode at the wire, with a plain `ws` client: what a connection
 * keeps, how a continuation is accounted in the prefix cache, and the faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Emulator, respond, say, startEmulator, think } from './emulator/index.js';

let emulator: Emulator | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await emulator?.close();
  emulator = undefined;
});

type Json = Record<string, unknown>;

/** A connection whose messages are read one response at a time. */
async function connect(
  e: Emulator,
): Promise<{ socket: WebSocket; exchange(message: Json): Promise<Json[]> }> {
  const socket = new WebSocket(`${e.url.replace('http', 'ws')}/responses`, {
    headers: { Authorization: 'Bearer k' },
  });
  sockets.push(socket);
  const inbox: Json[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  socket.on('message', (data) => {
    inbox.push(JSON.parse(String(data)) as Json);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const exchange = async (message: Json): Promise<Json[]> => {
    socket.send(JSON.stringify(message));
    const events: Json[] = [];
    for (;;) {
      const event = inbox.shift();
      if (!event) {
        if (closed) return events;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      events.push(event);
      if (
        ['response.completed', 'response.failed', 'response.incomplete', 'error'].includes(String(event.type))
      )
        return events;
    }
  };
  return { socket, exchange };
}

const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const BASE = {
  type: 'response.create',
  model: 'gpt-5',
  instructions: 'Follow the steps. '.repeat(400),
  store: false,
  prompt_cache_key: 'k',
  include: ['reasoning.encrypted_content'],
  reasoning: { effort: 'low' },
};

/** An answer of several cache steps (128 tokens each), so a cached output shows in the counts. */
const LONG_ANSWER = 'A long answer. '.repeat(100);

function completed(events: Json[]): Json {
  return (events.at(-1) as { response: Json }).response;
}

describe('the emulator’s Responses WebSocket mode', () => {
  it('streams the HTTP events as frames and continues from the kept response', async () => {
    emulator = await startEmulator({
      script: [respond(think('plan'), say(LONG_ANSWER)), respond(say('two'))],
    });
    const { exchange } = await connect(emulator);
    const first = await exchange({ ...BASE, input: [user('hi')] });
    expect(first.map((e) => e.type)).toContain('response.output_text.delta');
    expect(first.map((e) => e.sequence_number)).toEqual(first.map((_, i) => i));
    const firstResponse = completed(first);
    expect(firstResponse.status).toBe('completed');

    const second = await exchange({ ...BASE, previous_response_id: firstResponse.id, input: [user('next')] });
    expect(completed(second)).toMatchObject({ status: 'completed', previous_response_id: firstResponse.id });
    const [r0, r1] = emulator.requests;
    expect(r1).toMatchObject({ transport: 'websocket', method: 'WS', outcome: 'response', stepIndex: 1 });
    // The server acted on the kept context (input, reasoning, answer) and the new item.
    expect((r1!.effectiveBody!.input as Json[]).map((i) => i.type)).toEqual([
      'message',
      'reasoning',
      'message',
      'message',
    ]);
    expect(r1!.effectiveBody!.input as Json[]).not.toContainEqual(
      expect.objectContaining({ id: expect.anything() }),
    );
    // The cached prefix is the previous response's whole context: past the previous input alone.
    expect(r1!.cachedTokens).toBeGreaterThan(r0!.inputTokens);
    expect(r1!.inputTokens - r1!.cachedTokens).toBeLessThan(128);
    expect(emulator.problems).toEqual([]);
  });

  it('answers previous_response_not_found for an id the connection does not hold, and stays open', async () => {
    emulator = await startEmulator({
      script: [respond(say('one')), respond(say('two')), respond(say('three'))],
    });
    const a = await connect(emulator);
    const id = completed(await a.exchange({ ...BASE, input: [user('hi')] })).id;
    // Another connection (a reconnect) does not know it.
    const b = await connect(emulator);
    const refused = await b.exchange({ ...BASE, previous_response_id: id, input: [user('next')] });
    expect(refused).toEqual([
      {
        type: 'error',
        status: 400,
        error: {
          message: `Previous response with id '${String(id)}' not found.`,
          type: 'invalid_request_error',
          param: 'previous_response_id',
          code: 'previous_response_not_found',
        },
      },
    ]);
    expect(emulator.requests[1]).toMatchObject({ outcome: 'rejected', transport: 'websocket' });
    expect(emulator.requests[1]!.stepIndex).toBeUndefined();
    // The same connection takes a whole request afterwards; and the first still continues.
    expect(completed(await b.exchange({ ...BASE, input: [user('hi'), user('next')] })).status).toBe(
      'completed',
    );
    emulator.forgetResponses();
    const forgotten = await a.exchange({ ...BASE, previous_response_id: id, input: [user('next')] });
    expect(forgotten[0]).toMatchObject({ type: 'error', error: { code: 'previous_response_not_found' } });
  });

  it('drops the socket mid-response on a close fault, and keeps nothing of that response', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('a long answer in several deltas')),
        respond(say('cut short'), { fault: { kind: 'close', afterEvents: 4 } }),
      ],
    });
    const a = await connect(emulator);
    const id = completed(await a.exchange({ ...BASE, input: [user('hi')] })).id;
    const cut = await a.exchange({ ...BASE, previous_response_id: id, input: [user('more')] });
    expect(cut).toHaveLength(4);
    expect(cut.map((e) => e.type)).not.toContain('response.completed');
    expect(a.socket.readyState).not.toBe(WebSocket.OPEN);
  });

  it('sends an error event as a step’s error_event fault, with no terminal response', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('x'), {
          fault: { kind: 'error_event', afterEvents: 2, code: 'server_error', message: 'boom' },
        }),
      ],
    });
    const a = await connect(emulator);
    const events = await a.exchange({ ...BASE, input: [user('hi')] });
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'server_error', message: 'boom' });
  });

  it('refuses the upgrade with HTTP 404 when the mode is off', async () => {
    emulator = await startEmulator({ websockets: false, script: [] });
    const socket = new WebSocket(`${emulator.url.replace('http', 'ws')}/responses`);
    sockets.push(socket);
    const status = await new Promise<number | undefined>((resolve) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.once('open', () => resolve(undefined));
      socket.once('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});

describe('the kept context in the prefix cache', () => {
  it('is what rendering the whole continued request gives: a request resending it over HTTP hits all of it', async () => {
    emulator = await startEmulator({
      script: [respond(think('plan'), say(LONG_ANSWER)), respond(say('two'))],
    });
    const { exchange } = await connect(emulator);
    const first = completed(await exchange({ ...BASE, input: [user('hi')] }));
    // The same context sent whole (over HTTP, as a fallback does), in the server's own item shapes.
    const output = (first.output as Json[]).map(({ id: _id, ...item }) => item);
    const { type: _type, ...body } = BASE;
    const response = await fetch(`${emulator.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: false, input: [user('hi'), ...output, user('next')] }),
    });
    expect(response.status).toBe(200);
    const whole = emulator.requests[1]!;
    // Everything up to the new item was cached: the rest is less than one cache step.
    expect(whole.inputTokens - whole.cachedTokens).toBeLessThan(128);
    expect(whole.cachedTokens).toBeGreaterThan(emulator.requests[0]!.inputTokens);
  });
});
