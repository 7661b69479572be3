/** Emulator features beyond one response: prefix cache, context window, compaction, models, checks. */
import OpenAI, { type APIError } from 'openai';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Emulator,
  type EmulatorOptions,
  type ResponseStep,
  respond,
  say,
  serverError500,
  startEmulator,
} from './emulator/index.js';

interface ErrorBody {
  error: { message: string };
}

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

async function start(options: EmulatorOptions): Promise<{ emu: Emulator; client: OpenAI }> {
  const emu = await startEmulator(options);
  emulators.push(emu);
  return { emu, client: new OpenAI({ baseURL: emu.url, apiKey: 'x', maxRetries: 0 }) };
}

function user(text: string): ResponseInputItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

const INSTRUCTIONS = `You are a careful coding agent. ${'Follow the rules. '.repeat(400)}`; // ~7 KB
const steps = (n: number): ResponseStep[] => Array.from({ length: n }, (_, i) => respond(say(`answer ${i}`)));

describe('emulator: prefix-cache accounting', () => {
  it('reports cached tokens in 128-token steps when a request extends an earlier one', async () => {
    const { emu, client } = await start({ script: steps(4) });
    const base = {
      model: 'gpt-5-codex',
      instructions: INSTRUCTIONS,
      prompt_cache_key: 'thread-1',
      store: false,
    };
    const first = await client.responses.create({ ...base, input: [user('first question')] });
    expect(first.usage?.input_tokens_details.cached_tokens).toBe(0);

    const input2 = [user('first question'), user('a follow-up')];
    const second = await client.responses.create({ ...base, input: input2 });
    const cached = second.usage?.input_tokens_details.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(cached % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(second.usage?.input_tokens ?? 0);
    expect(second.usage?.input_tokens).toBe(emu.requests[1]?.inputTokens);
    expect(emu.requests[1]?.cachedTokens).toBe(cached);

    // A changed prefix (different instructions) shares almost nothing: no hit.
    const changed = await client.responses.create({
      ...base,
      instructions: `Changed. ${INSTRUCTIONS}`,
      input: input2,
    });
    expect(changed.usage?.input_tokens_details.cached_tokens).toBe(0);

    // The same prompt under another prompt_cache_key is routed to another cache: no hit.
    const otherKey = await client.responses.create({ ...base, prompt_cache_key: 'thread-2', input: input2 });
    expect(otherKey.usage?.input_tokens_details.cached_tokens).toBe(0);
  });

  it('reports chat cache hits in prompt_tokens_details, keyed by model and user', async () => {
    const { client } = await start({ script: steps(3) });
    const system = { role: 'system' as const, content: INSTRUCTIONS };
    const base = { model: 'gpt-5-codex', user: 'u1', stream_options: { include_usage: true } };
    await client.chat.completions.create({ ...base, messages: [system, { role: 'user', content: 'one' }] });
    const again = await client.chat.completions.create({
      ...base,
      messages: [system, { role: 'user', content: 'one' }, { role: 'user', content: 'two' }],
    });
    expect(again.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(1024);
    expect((again.usage?.prompt_tokens_details?.cached_tokens ?? 0) % 128).toBe(0);
    const otherUser = await client.chat.completions.create({
      ...base,
      user: 'u2',
      messages: [system, { role: 'user', content: 'one' }],
    });
    expect(otherUser.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('does not cache a request that was answered with an HTTP fault', async () => {
    const { client } = await start({ script: [serverError500(), respond(say('ok'))] });
    const request = { model: 'm', instructions: INSTRUCTIONS, input: [user('q')], store: false };
    await client.responses.create(request).catch(() => undefined);
    const response = await client.responses.create(request);
    expect(response.usage?.input_tokens_details.cached_tokens).toBe(0);
  });
});

describe('emulator: context window', () => {
  const big = { model: 'gpt-5-codex', instructions: INSTRUCTIONS, input: [user('q')], store: false };

  it('fails an oversized streaming request in-stream with context_length_exceeded, keeping the step', async () => {
    const { emu, client } = await start({ script: steps(1), contextWindow: 1000 });
    const events = [];
    for await (const event of await client.responses.create({ ...big, stream: true })) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.failed',
    ]);
    const failed = events[2];
    if (failed?.type !== 'response.failed') throw new Error('expected response.failed');
    expect(failed.response.error).toEqual({
      code: 'context_length_exceeded',
      message: 'Your input exceeds the context window of this model. Please adjust your input and try again.',
    });
    expect(emu.requests[0]?.outcome).toBe('context_length_exceeded');
    expect(emu.remainingSteps()).toBe(1);
    const small = await client.responses.create({
      model: 'gpt-5-codex',
      input: [user('short')],
      store: false,
    });
    expect(small.output_text).toBe('answer 0');
  });

  it('answers HTTP 400 with OpenAI body when asked, and for non-streaming and chat requests', async () => {
    const { client } = await start({ script: [], contextWindow: 1000, contextWindowError: 'http' });
    const error = (await client.responses
      .create({ ...big, stream: true })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toEqual({
      message: 'Your input exceeds the context window of this model. Please adjust your input and try again.',
      type: 'invalid_request_error',
      param: 'input',
      code: 'context_length_exceeded',
    });
    const { client: client2 } = await start({ script: [], contextWindow: 1000 });
    const plain = (await client2.responses.create(big).catch((e: unknown) => e)) as APIError;
    expect(plain.status).toBe(400);
    expect(plain.code).toBe('context_length_exceeded');
    const chat = (await client2.chat.completions
      .create({ model: 'm', messages: [{ role: 'system', content: INSTRUCTIONS }] })
      .catch((e: unknown) => e)) as APIError;
    expect(chat.status).toBe(400);
    expect(chat.code).toBe('context_length_exceeded');
    expect(chat.message).toMatch(/maximum context length is 1000 tokens/);
  });
});

describe('emulator: compaction', () => {
  const history = [
    user('fix the bug'),
    { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
    { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
    user('now add tests'),
  ] as ResponseInputItem[];

  it('answers /responses/compact with the user messages and one compaction item', async () => {
    const { emu, client } = await start({ script: [] });
    const compacted = await client.responses.compact({
      model: 'gpt-5-codex',
      instructions: 'Summarize.',
      input: history,
    });
    expect(compacted.object).toBe('response.compaction');
    expect(compacted.output).toEqual([
      {
        id: 'msg_0001',
        type: 'message',
        status: 'completed',
        role: 'user',
        content: [{ type: 'input_text', text: 'fix the bug' }],
      },
      {
        id: 'msg_0002',
        type: 'message',
        status: 'completed',
        role: 'user',
        content: [{ type: 'input_text', text: 'now add tests' }],
      },
      { id: 'cmp_0001', type: 'compaction', encrypted_content: expect.stringMatching(/^gAAAAA/) },
    ]);
    expect(compacted.usage.input_tokens).toBe(emu.requests[0]?.inputTokens);
    expect(emu.requests[0]).toMatchObject({
      wire: 'compact',
      path: '/v1/responses/compact',
      outcome: 'compacted',
    });
    expect(emu.remainingSteps()).toBe(0);
  });

  it('serves scripted compact results in order, HTTP faults included', async () => {
    const { emu, client } = await start({
      script: [],
      compact: [
        { encrypted_content: 'OPAQUE-1' },
        serverError500(),
        { output: [{ type: 'compaction', encrypted_content: 'X' }] },
      ],
    });
    const first = await client.responses.compact({ model: 'm', input: history });
    expect(first.output.at(-1)).toMatchObject({ type: 'compaction', encrypted_content: 'OPAQUE-1' });
    await expect(client.responses.compact({ model: 'm', input: history })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    emu.addCompactSteps({ encrypted_content: 'late' });
    const third = await client.responses.compact({ model: 'm', input: history });
    expect(third.output).toEqual([{ type: 'compaction', encrypted_content: 'X' }]);
    const fourth = await client.responses.compact({ model: 'm', input: history });
    expect(fourth.output.at(-1)).toMatchObject({ encrypted_content: 'late' });
  });

  it('compacts in-band when context_management.compact_threshold is crossed', async () => {
    const { client } = await start({ script: steps(2), contextWindow: 1000 });
    const request = {
      model: 'gpt-5-codex',
      instructions: INSTRUCTIONS, // over the window: server-side compaction runs instead of failing
      input: [user('q')],
      store: false,
      context_management: [{ type: 'compaction', compact_threshold: 500 }],
    };
    const compacted = await client.responses.stream(request as never).finalResponse();
    expect(compacted.output.map((item) => item.type)).toEqual(['compaction', 'message']);
    expect(compacted.output[0]).toMatchObject({
      id: 'cmp_0001',
      encrypted_content: expect.stringMatching(/^gAAAAA/),
    });
    const below = await client.responses.create({
      ...request,
      instructions: 'short',
      context_management: [{ type: 'compaction', compact_threshold: 5000 }],
    } as never);
    expect((below as { output: Array<{ type: string }> }).output.map((item) => item.type)).toEqual([
      'message',
    ]);
  });
});

describe('emulator: request checks, models, unknown paths', () => {
  it('rejects tool outputs without a call, calls without outputs, and ids sent with store:false', async () => {
    const { emu, client } = await start({ script: steps(1) });
    const attempt = (input: unknown[], store = false) =>
      client.responses
        .create({ model: 'm', input: input as ResponseInputItem[], store })
        .catch((e: unknown) => e);

    const orphan = (await attempt([
      user('q'),
      { type: 'function_call_output', call_id: 'call_9', output: 'x' },
    ])) as APIError;
    expect(orphan.status).toBe(400);
    expect(orphan.message).toMatch(/No tool call found for function call output with call_id call_9\./);

    const unanswered = (await attempt([
      user('q'),
      { type: 'custom_tool_call', call_id: 'call_8', name: 'apply_patch', input: 'x' },
    ])) as APIError;
    expect(unanswered.message).toMatch(/No tool output found for custom tool call call_8\./);

    const withId = (await attempt([
      user('q'),
      { id: 'rs_123', type: 'reasoning', summary: [], encrypted_content: 'e' },
    ])) as APIError;
    expect(withId.status).toBe(404);
    expect(withId.message).toMatch(
      /Item with id 'rs_123' not found\. Items are not persisted when `store` is set to false/,
    );

    expect(emu.remainingSteps()).toBe(1);
    expect(emu.problems).toHaveLength(3);
    const fine = await attempt([
      user('q'),
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'ok' },
    ]);
    expect((fine as { output_text: string }).output_text).toBe('answer 0');
  });

  it('can switch the checks off', async () => {
    const { client } = await start({ script: steps(1), validateRequests: false });
    const response = await client.responses.create({
      model: 'm',
      input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }],
    });
    expect(response.output_text).toBe('answer 0');
  });

  it('lists the configured models and rejects unknown ones when asked', async () => {
    const { emu, client } = await start({
      script: steps(1),
      models: ['m-one', 'm-two'],
      rejectUnknownModels: true,
    });
    const list = await client.models.list();
    expect(list.data).toEqual([
      { id: 'm-one', object: 'model', created: 1_700_000_000, owned_by: 'openai' },
      { id: 'm-two', object: 'model', created: 1_700_000_000, owned_by: 'openai' },
    ]);
    expect((await client.models.retrieve('m-two')).id).toBe('m-two');
    await expect(client.models.retrieve('gpt-x')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const unknown = (await client.responses
      .create({ model: 'gpt-x', input: 'q' })
      .catch((e: unknown) => e)) as APIError;
    expect(unknown.status).toBe(404);
    expect(unknown.code).toBe('model_not_found');
    expect((await client.responses.create({ model: 'm-one', input: 'q' })).output_text).toBe('answer 0');
    expect(emu.requests.map((r) => r.wire)).toEqual(['models', 'models', 'models', 'responses', 'responses']);
  });

  it('answers unknown paths and non-JSON bodies like OpenAI, and records them', async () => {
    const { emu } = await start({ script: steps(1) });
    const notFound = await fetch(`${emu.url}/embeddings`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as ErrorBody).error.message).toBe('Invalid URL (POST /v1/embeddings)');
    const broken = await fetch(`${emu.url}/responses`, { method: 'POST', body: '{nope' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorBody).error.message).toMatch(
      /We could not parse the JSON body of your request/,
    );
    expect(emu.requests.map((r) => [r.wire, r.outcome, r.bodyText])).toEqual([
      ['unknown', 'not_found', '{}'],
      ['responses', 'rejected', '{nope'],
    ]);
    expect(emu.remainingSteps()).toBe(1);
  });

  it('records headers and the raw body of each request', async () => {
    const { emu, client } = await start({ script: steps(1) });
    await client.responses.create(
      { model: 'm', input: 'q', prompt_cache_key: 'k' },
      { headers: { 'x-thread': 't1' } },
    );
    const [request] = await emu.waitForRequests(1);
    expect(request?.headers.authorization).toBe('Bearer x');
    expect(request?.headers['x-thread']).toBe('t1');
    expect(JSON.parse(request?.bodyText ?? '')).toEqual(request?.body);
    expect(request?.body?.prompt_cache_key).toBe('k');
  });

  it('records when each request arrived, before its answer was streamed', async () => {
    const { emu, client } = await start({
      script: [{ ...respond(say('a slow answer')), eventDelayMs: 20 }, respond(say('next'))],
    });
    const before = performance.timeOrigin + performance.now();
    const stream = await client.responses.create({ model: 'm', input: 'q', stream: true });
    for await (const _event of stream) {
      // drain: the answer takes ≥ 20 ms per event
    }
    const answered = performance.timeOrigin + performance.now();
    await client.responses.create({ model: 'm', input: 'q2' });
    const [first, second] = emu.requests;
    expect(first?.receivedAt).toBeGreaterThanOrEqual(before);
    // Stamped on arrival, not once the slow answer was done.
    expect(first?.receivedAt).toBeLessThan(answered - 40);
    expect(second?.receivedAt).toBeGreaterThanOrEqual(answered);
  });
});
