import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import {
  call,
  customCall,
  type ResponseStep,
  respond,
  say,
  shellCall,
  startEmulator,
  think,
} from './emulator/index.js';
import { useEmulators } from './support/emulator-client.js';

const start = useEmulators();

const BASE = {
  model: 'gpt-5-codex',
  instructions: 'You are a test.',
  input: [
    {
      type: 'message' as const,
      role: 'user' as const,
      content: [{ type: 'input_text' as const, text: 'hi' }],
    },
  ],
  store: false,
  include: ['reasoning.encrypted_content' as const],
};

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const LONG_TEXT = 'The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps again.';
const FULL_STEP: ResponseStep = respond(
  think(['Looking at the repo first.', 'Then answering.']),
  say(LONG_TEXT),
  call('shell', { command: ['bash', '-lc', 'echo "a fairly long command line"'] }),
  customCall('apply_patch', '*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch\n'),
);

/**
 * Checks the invariants of a Responses event stream the way a strict client would: contiguous
 * sequence numbers, every event about an open item, deltas adding up to the `.done` values, and a
 * terminal response whose output is exactly the finished items.
 */
function checkStream(events: ResponseStreamEvent[]): Array<Record<string, unknown>> {
  events.forEach((event, i) => {
    expect(event.sequence_number).toBe(i);
  });
  expect(events[0]?.type).toBe('response.created');
  expect(events[1]?.type).toBe('response.in_progress');
  const open = new Map<number, { item: Record<string, unknown>; text: string }>();
  const done: Array<Record<string, unknown>> = [];
  for (const event of events.slice(2, -1)) {
    const index = (event as { output_index?: number }).output_index;
    if (event.type === 'response.output_item.added') {
      expect(index).toBe(done.length);
      expect(open.size).toBe(0);
      open.set(event.output_index, { item: event.item as unknown as Record<string, unknown>, text: '' });
      continue;
    }
    const current = open.get(index ?? -1);
    expect(current, `${event.type} for an item that is not open`).toBeDefined();
    if (!current) continue;
    if ('item_id' in event) expect(event.item_id).toBe(current.item.id);
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
      case 'response.reasoning_summary_text.delta':
        current.text += event.delta;
        break;
      case 'response.output_text.done':
      case 'response.reasoning_summary_text.done':
        expect(event.text).toBe(current.text);
        current.text = '';
        break;
      case 'response.function_call_arguments.done':
        expect(event.arguments).toBe(current.text);
        break;
      case 'response.custom_tool_call_input.done':
        expect(event.input).toBe(current.text);
        break;
      case 'response.output_item.done':
        expect(event.item.id).toBe(current.item.id);
        open.delete(event.output_index);
        done.push(event.item as unknown as Record<string, unknown>);
        break;
      default:
        break;
    }
  }
  expect(open.size).toBe(0);
  const last = events.at(-1);
  expect(['response.completed', 'response.failed', 'response.incomplete']).toContain(last?.type);
  if (last && 'response' in last) {
    // The final object lists the same items; reasoning state is encrypted again for it (as OpenAI
    // does), so only its encrypted_content differs.
    const withoutEncryption = (items: unknown[]) =>
      (items as Array<Record<string, unknown>>).map(({ encrypted_content: _e, ...rest }) =>
        rest.type === 'reasoning' ? rest : { encrypted_content: _e, ...rest },
      );
    expect(withoutEncryption(last.response.output)).toEqual(withoutEncryption(done));
    last.response.output.forEach((item, i) => {
      if (item.type === 'reasoning' && item.encrypted_content)
        expect(item.encrypted_content).not.toBe(
          (done[i] as { encrypted_content?: string }).encrypted_content,
        );
    });
  }
  return done;
}

describe('emulator: Responses API streaming', () => {
  it('streams every event type in OpenAI order, and the SDK accumulates the scripted output', async () => {
    const { emu, client } = await start({ script: [FULL_STEP] });
    const events = await collect(await client.responses.create({ ...BASE, stream: true }));
    const types = events.map((e) => e.type);
    const collapsed = types.filter((t, i) => !(t.endsWith('.delta') && types[i - 1] === t));
    expect(collapsed).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    // Text is split into several deltas, so streaming is exercised.
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBeGreaterThan(3);
    const done = checkStream(events);
    expect(done).toEqual([
      {
        id: 'rs_0001',
        type: 'reasoning',
        summary: [
          { type: 'summary_text', text: 'Looking at the repo first.' },
          { type: 'summary_text', text: 'Then answering.' },
        ],
        encrypted_content: expect.stringMatching(/^gAAAAA/),
      },
      {
        id: 'msg_0001',
        type: 'message',
        status: 'completed',
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: LONG_TEXT }],
        role: 'assistant',
      },
      {
        id: 'fc_0001',
        type: 'function_call',
        status: 'completed',
        arguments: '{"command":["bash","-lc","echo \\"a fairly long command line\\""]}',
        call_id: 'call_0001',
        name: 'shell',
      },
      {
        id: 'ctc_0001',
        type: 'custom_tool_call',
        status: 'completed',
        call_id: 'call_0002',
        input: '*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch\n',
        name: 'apply_patch',
      },
    ]);
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    expect(completed.response).toMatchObject({
      id: 'resp_0001',
      object: 'response',
      status: 'completed',
      model: 'gpt-5-codex',
      instructions: 'You are a test.',
      store: false,
    });
    const usage = completed.response.usage;
    expect(usage?.input_tokens).toBe(emu.requests[0]?.inputTokens);
    expect(usage?.input_tokens_details.cached_tokens).toBe(0);
    expect(usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(emu.requests[0]).toMatchObject({
      wire: 'responses',
      method: 'POST',
      path: '/v1/responses',
      stepIndex: 0,
    });
    expect(emu.remainingSteps()).toBe(0);
  });

  it("is accepted by the SDK's strict accumulator (responses.stream)", async () => {
    const { client } = await start({ script: [FULL_STEP] });
    const stream = client.responses.stream({ ...BASE });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(LONG_TEXT);
    expect(final.output.map((item) => item.type)).toEqual([
      'reasoning',
      'message',
      'function_call',
      'custom_tool_call',
    ]);
  });

  it('sends SSE frames whose event name equals the data type, with obfuscation on deltas', async () => {
    const { emu } = await start({ script: [respond(say('hello there, this is streamed'))] });
    const res = await fetch(`${emu.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...BASE, stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const frames = text.split('\n\n').filter((f) => f !== '');
    for (const frame of frames) {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      const data = JSON.parse(dataLine?.replace(/^data: /, '') ?? '');
      expect(eventLine).toBe(`event: ${data.type}`);
      if (data.type.endsWith('.delta')) expect(typeof data.obfuscation).toBe('string');
    }
  });

  it('omits encrypted reasoning unless the request includes it, and obfuscation when opted out', async () => {
    const { client } = await start({ script: [respond(think('hmm'), say('ok'))] });
    const events = await collect(
      await client.responses.create({
        ...BASE,
        include: [],
        stream: true,
        stream_options: { include_obfuscation: false },
      }),
    );
    const reasoning = events.find(
      (e) => e.type === 'response.output_item.done' && e.item.type === 'reasoning',
    );
    expect(reasoning && 'item' in reasoning && 'encrypted_content' in reasoning.item).toBe(false);
    expect(events.some((e) => 'obfuscation' in e)).toBe(false);
  });

  it('keeps scripted call ids and encrypted content, and makes several calls in one response', async () => {
    const { client } = await start({
      script: [
        respond(
          think('x', 'ENC-1'),
          shellCall('ls', { call_id: 'call_A' }),
          call('read', '{"p":1}', 'call_B'),
        ),
      ],
    });
    const stream = client.responses.stream({ ...BASE });
    const doneItems: unknown[] = [];
    stream.on('response.output_item.done', (event) => doneItems.push(event.item));
    const final = await stream.finalResponse();
    // The streamed item keeps the scripted content; the final object has it encrypted again.
    expect(doneItems[0]).toMatchObject({ type: 'reasoning', encrypted_content: 'ENC-1' });
    expect(final.output[0]).toMatchObject({ type: 'reasoning' });
    expect((final.output[0] as { encrypted_content?: string }).encrypted_content).not.toBe('ENC-1');
    expect(final.output.slice(1)).toMatchObject([
      {
        type: 'function_call',
        call_id: 'call_A',
        name: 'shell',
        arguments: '{"command":["bash","-c","ls"]}',
      },
      { type: 'function_call', call_id: 'call_B', name: 'read', arguments: '{"p":1}' },
    ]);
  });

  it('answers stream:false with the plain response object', async () => {
    const { client } = await start({ script: [respond(say('plain answer'), call('f', {}))] });
    const response = await client.responses.create({ ...BASE, stream: false });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('plain answer');
    expect(response.output[1]).toMatchObject({ type: 'function_call', name: 'f', arguments: '{}' });
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
  });

  it('ends with response.failed or response.incomplete when scripted', async () => {
    const { client } = await start({
      script: [
        respond(say('partial'), { terminal: { type: 'failed', code: 'server_error', message: 'boom' } }),
        respond(say('cut off'), { terminal: { type: 'incomplete', reason: 'max_output_tokens' } }),
      ],
    });
    const failed = await collect(await client.responses.create({ ...BASE, stream: true }));
    checkStream(failed);
    const lastFailed = failed.at(-1);
    expect(lastFailed?.type).toBe('response.failed');
    if (lastFailed?.type === 'response.failed') {
      expect(lastFailed.response.status).toBe('failed');
      expect(lastFailed.response.error).toEqual({ code: 'server_error', message: 'boom' });
    }
    const incomplete = await collect(await client.responses.create({ ...BASE, stream: true }));
    const lastIncomplete = incomplete.at(-1);
    expect(lastIncomplete?.type).toBe('response.incomplete');
    if (lastIncomplete?.type === 'response.incomplete') {
      expect(lastIncomplete.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(lastIncomplete.response.usage?.output_tokens).toBeGreaterThan(0);
    }
  });

  it('numbers ids deterministically per emulator', async () => {
    const runs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const { client } = await start({ script: [FULL_STEP, FULL_STEP] });
      const ids: string[] = [];
      for (let j = 0; j < 2; j++) {
        const final = await client.responses.stream({ ...BASE }).finalResponse();
        ids.push(final.id, ...final.output.map((item) => ('id' in item ? String(item.id) : '')));
      }
      runs.push(ids);
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]?.slice(0, 2)).toEqual(['resp_0001', 'rs_0001']);
    expect(runs[0]?.slice(5, 7)).toEqual(['resp_0002', 'rs_0002']);
  });
});

describe('emulator: scripts', () => {
  it('answers HTTP 500 with a clear message when the script is exhausted', async () => {
    const { emu, client } = await start({ script: [respond(say('only one'))] });
    await collect(await client.responses.create({ ...BASE, stream: true }));
    const error = await client.responses.create({ ...BASE, stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toMatch(/no script step left for request #1/);
    expect(emu.problems).toHaveLength(1);
    expect(emu.requests[1]?.outcome).toBe('script_exhausted');
  });

  it('runs a script function with each request, and accepts steps added later', async () => {
    const { emu, client } = await start({
      script: (request, index) => {
        const input = request.body?.input as Array<{ content: Array<{ text: string }> }>;
        return respond(say(`#${index}: ${input.at(-1)?.content[0]?.text}`));
      },
    });
    const first = await client.responses.stream({ ...BASE }).finalResponse();
    expect(first.output_text).toBe('#0: hi');
    expect(emu.remainingSteps()).toBe(Number.POSITIVE_INFINITY);

    const { emu: emu2, client: client2 } = await start({ script: [] });
    emu2.addSteps(respond(say('late step')));
    expect(emu2.remainingSteps()).toBe(1);
    expect((await client2.responses.stream({ ...BASE }).finalResponse()).output_text).toBe('late step');
  });

  it('rejects a malformed script when it starts', async () => {
    await expect(
      startEmulator({ script: [{ output: [{ type: 'mesage', text: 'x' }] } as never] }),
    ).rejects.toThrow(/script\[0\]\.output\[0\]: unknown output type "mesage"/);
  });

  it('also serves paths without /v1', async () => {
    const { emu } = await start({ script: [respond(say('ok'))] });
    const res = await fetch(`http://127.0.0.1:${emu.port}/responses`, {
      method: 'POST',
      body: JSON.stringify({ ...BASE, stream: false }),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { output: Array<{ content: Array<{ text: string }> }> };
    expect(json.output[0]?.content[0]?.text).toBe('ok');
  });
});
