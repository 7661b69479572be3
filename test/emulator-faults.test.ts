import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  httpError,
  quotaExceeded429,
  rateLimit429,
  rateLimitMessage429,
  respond,
  type StreamFault,
  say,
  serverError500,
  unauthorized401,
} from './emulator/index.js';
import { useEmulators } from './support/emulator-client.js';

const start = useEmulators();

const REQUEST = { model: 'gpt-5-codex', input: 'hi', store: false } as const;
const CHAT = {
  model: 'gpt-5-codex',
  messages: [{ role: 'user' as const, content: 'hi' }],
  stream_options: { include_usage: true },
};
const TEXT = 'a reply long enough to be sent in several deltas, so faults can land mid-message';

/** Reads a stream to its end: the events seen, and the error that ended it, if any. */
async function drain<T>(stream: AsyncIterable<T>): Promise<{ events: T[]; error?: unknown }> {
  const events: T[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

function faulted(fault: StreamFault) {
  return respond(say(TEXT), { fault });
}

describe('emulator: stream faults on the Responses wire', () => {
  it('close: the socket is destroyed after K events and the SDK sees an error', async () => {
    const { client } = await start({ script: [faulted({ kind: 'close', afterEvents: 4 })] });
    const { events, error } = await drain(await client.responses.create({ ...REQUEST, stream: true }));
    expect(events).toHaveLength(4);
    expect(error).toBeInstanceOf(Error);
  });

  it('end: the stream ends cleanly after K events, without response.completed', async () => {
    const { client } = await start({ script: [faulted({ kind: 'end', afterEvents: 3 })] });
    const { events, error } = await drain(await client.responses.create({ ...REQUEST, stream: true }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
    ]);
  });

  it('stall: events stop but the socket stays open until the client aborts', async () => {
    const { client } = await start({ script: [faulted({ kind: 'stall', afterEvents: 5 })] });
    const controller = new AbortController();
    const stream = await client.responses.create({ ...REQUEST, stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    const started = Date.now();
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event.type);
        if (seen.length === 5) setTimeout(() => controller.abort(), 150);
      }
    })();
    await reading.catch(() => undefined);
    expect(seen).toHaveLength(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('stall: close() ends a stalled stream so tests never hang', async () => {
    const { emu, client } = await start({ script: [faulted({ kind: 'stall', afterEvents: 2 })] });
    const stream = await client.responses.create({ ...REQUEST, stream: true });
    const draining = drain(stream);
    await emu.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await emu.close();
    const { events, error } = await draining;
    expect(events).toHaveLength(2);
    expect(error).toBeInstanceOf(Error);
  });

  it('malformed: a data line that is not JSON makes the SDK throw', async () => {
    const { client } = await start({ script: [faulted({ kind: 'malformed', afterEvents: 4 })] });
    const { events, error } = await drain(await client.responses.create({ ...REQUEST, stream: true }));
    expect(events).toHaveLength(4);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('error_event: an SSE `error` event with code and message ends the stream', async () => {
    const { client } = await start({
      script: [faulted({ kind: 'error_event', afterEvents: 3, code: 'server_error', message: 'overloaded' })],
    });
    const { events, error } = await drain(await client.responses.create({ ...REQUEST, stream: true }));
    expect(error).toBeUndefined();
    expect(events.at(-1)).toEqual({
      type: 'error',
      sequence_number: 3,
      code: 'server_error',
      message: 'overloaded',
      param: null,
    });
  });

  it('error_event with nested: true puts code and message in an `error` object, which the SDK throws', async () => {
    const { client } = await start({
      script: [
        faulted({
          kind: 'error_event',
          afterEvents: 2,
          code: 'rate_limit_exceeded',
          message: 'slow down',
          nested: true,
        }),
      ],
    });
    const { events, error } = await drain(await client.responses.create({ ...REQUEST, stream: true }));
    expect(events).toHaveLength(2);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    expect((error as Error).message).toMatch(/slow down/);
  });

  it('eventDelayMs spaces the events out, and an abort mid-stream stops the emulator writing', async () => {
    const { emu, client } = await start({ script: [respond(say('short'), { eventDelayMs: 40 })] });
    const controller = new AbortController();
    const started = Date.now();
    const stream = await client.responses.create({ ...REQUEST, stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emu.requests).toHaveLength(1);
  });
});

describe('emulator: stream faults on the Chat wire', () => {
  it('error_event: a `data: {"error": …}` frame makes the SDK throw an APIError', async () => {
    const { client } = await start({
      script: [
        faulted({ kind: 'error_event', afterEvents: 2, code: 'server_error', message: 'mid-stream failure' }),
      ],
    });
    const { events, error } = await drain(await client.chat.completions.create({ ...CHAT, stream: true }));
    expect(events).toHaveLength(2);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/mid-stream failure/);
  });

  it('close and malformed end the chat stream with an error', async () => {
    const { client } = await start({
      script: [faulted({ kind: 'close', afterEvents: 2 }), faulted({ kind: 'malformed', afterEvents: 1 })],
    });
    const closed = await drain(await client.chat.completions.create({ ...CHAT, stream: true }));
    expect(closed.events).toHaveLength(2);
    expect(closed.error).toBeInstanceOf(Error);
    const malformed = await drain(await client.chat.completions.create({ ...CHAT, stream: true }));
    expect(malformed.events).toHaveLength(1);
    expect(malformed.error).toBeInstanceOf(SyntaxError);
  });
});

describe('emulator: HTTP faults', () => {
  it('500, 429 with Retry-After, 429 with a delay in its message, 429 quota, 401, custom', async () => {
    const { emu, client } = await start({
      script: [
        serverError500(),
        rateLimit429(2),
        rateLimitMessage429(1.5),
        quotaExceeded429(),
        unauthorized401(),
        httpError(418, 'teapot', { 'x-custom': 'yes' }),
        respond(say('finally')),
      ],
    });
    const attempt = () => client.responses.create({ ...REQUEST, stream: true }).catch((e: unknown) => e);

    const e500 = await attempt();
    expect(e500).toBeInstanceOf(OpenAI.InternalServerError);

    const e429 = (await attempt()) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e429).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e429.headers.get('retry-after')).toBe('2');
    expect(e429.code).toBe('rate_limit_exceeded');

    const e429b = (await attempt()) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e429b.headers.get('retry-after')).toBeNull();
    expect(e429b.message).toMatch(/Please try again in 1\.5s\./);

    const quota = (await attempt()) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(quota.code).toBe('insufficient_quota');

    const e401 = (await attempt()) as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(e401).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e401.code).toBe('invalid_api_key');

    const teapot = (await attempt()) as InstanceType<typeof OpenAI.APIError>;
    expect(teapot.status).toBe(418);
    expect(teapot.headers?.get('x-custom')).toBe('yes');

    const ok = await client.responses.create({ ...REQUEST, stream: false });
    expect(ok.output_text).toBe('finally');
    expect(emu.requests.map((r) => r.outcome)).toEqual([
      'http_fault',
      'http_fault',
      'http_fault',
      'http_fault',
      'http_fault',
      'http_fault',
      'response',
    ]);
  });

  it('a retrying client consumes one step per attempt', async () => {
    const { emu } = await start({ script: [serverError500(), respond(say('second try'))] });
    const retrying = new OpenAI({ baseURL: emu.url, apiKey: 'x', maxRetries: 1 });
    const response = await retrying.responses.create({ ...REQUEST, stream: false });
    expect(response.output_text).toBe('second try');
    expect(emu.requests.map((r) => r.stepIndex)).toEqual([0, 1]);
  });
});
