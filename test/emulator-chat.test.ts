import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { call, customCall, respond, say, think } from './emulator/index.js';
import { useEmulators } from './support/emulator-client.js';

const start = useEmulators();

const CHAT = {
  model: 'gpt-5-codex',
  messages: [
    { role: 'system' as const, content: 'You are a test.' },
    { role: 'user' as const, content: 'hi' },
  ],
};
const TEXT = 'Here is an answer that is long enough to arrive in several content deltas.';

async function chunks(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('emulator: Chat Completions streaming', () => {
  it('streams role, reasoning_content, content, tool call fragments, finish_reason and usage', async () => {
    const { emu, client } = await start({
      script: [
        respond(
          think('Need to list files.'),
          say(TEXT),
          call('shell', { command: ['bash', '-lc', 'ls -la /tmp'] }),
          customCall('apply_patch', '*** Begin Patch\n*** End Patch'),
        ),
      ],
    });
    const all = await chunks(
      await client.chat.completions.create({
        ...CHAT,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const first = all[0];
    expect(first).toMatchObject({
      id: 'chatcmpl-0001',
      object: 'chat.completion.chunk',
      model: 'gpt-5-codex',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    // Every chunk but the last carries `usage: null` when usage was asked for; the last has no choices.
    const last = all.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      prompt_tokens: emu.requests[0]?.inputTokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: expect.any(Number) },
    });
    expect(all.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(all.every((c) => c.id === 'chatcmpl-0001')).toBe(true);

    const deltas = all.flatMap((c) => c.choices.map((choice) => choice.delta));
    const reasoning = deltas
      .map((d) => (d as { reasoning_content?: string }).reasoning_content ?? '')
      .join('');
    expect(reasoning).toBe('Need to list files.');
    expect(deltas.filter((d) => d.content).length).toBeGreaterThan(2);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(TEXT);

    const fragments = deltas.flatMap((d) => d.tool_calls ?? []);
    const byIndex = new Map<number, { id?: string; type?: string; name?: string; args: string }>();
    for (const fragment of fragments) {
      const entry = byIndex.get(fragment.index) ?? { args: '' };
      if (fragment.id) {
        expect(entry.id).toBeUndefined(); // id, type and name come once, on the first fragment
        entry.id = fragment.id;
        entry.type = fragment.type;
        entry.name = fragment.function?.name;
      }
      entry.args += fragment.function?.arguments ?? '';
      byIndex.set(fragment.index, entry);
    }
    expect([...byIndex.entries()]).toEqual([
      [
        0,
        {
          id: 'call_0001',
          type: 'function',
          name: 'shell',
          args: '{"command":["bash","-lc","ls -la /tmp"]}',
        },
      ],
      [
        1,
        {
          id: 'call_0002',
          type: 'function',
          name: 'apply_patch',
          args: '{"input":"*** Begin Patch\\n*** End Patch"}',
        },
      ],
    ]);
    expect(fragments.filter((f) => f.index === 0).length).toBeGreaterThan(1);
    const finishes = all.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter(Boolean);
    expect(finishes).toEqual(['tool_calls']);
    expect(emu.requests[0]).toMatchObject({ wire: 'chat', path: '/v1/chat/completions' });
  });

  it('ends with data: [DONE], and sends no usage chunk unless asked', async () => {
    const { emu } = await start({ script: [respond(say('plain'))] });
    const res = await fetch(`${emu.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...CHAT, stream: true }),
    });
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const frames = text
      .split('\n\n')
      .filter((f) => f.startsWith('data: {'))
      .map((f) => JSON.parse(f.slice(6)));
    expect(frames.every((f) => !('usage' in f) && f.choices.length === 1)).toBe(true);
    expect(frames.at(-1).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
  });

  it("is accepted by the SDK's chat stream helper, which accumulates the final completion", async () => {
    const { client } = await start({ script: [respond(say(TEXT), call('read_file', { path: 'a.txt' }))] });
    const final = await client.chat.completions
      .stream({ ...CHAT, stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(TEXT);
    expect(final.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_0001', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } },
    ]);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('maps incomplete to finish_reason length, and answers stream:false with a chat.completion', async () => {
    const { client } = await start({
      script: [
        respond(say('cut'), { terminal: { type: 'incomplete', reason: 'max_output_tokens' } }),
        respond(think('why'), say('whole answer'), call('f', '{}', 'call_X')),
      ],
    });
    const all = await chunks(await client.chat.completions.create({ ...CHAT, stream: true }));
    expect(all.at(-1)?.choices[0]?.finish_reason).toBe('length');
    const completion = await client.chat.completions.create({ ...CHAT, stream: false });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'whole answer',
      reasoning_content: 'why',
      tool_calls: [{ id: 'call_X', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('rejects tool messages that answer no call, and calls left unanswered, as OpenAI does', async () => {
    const { emu, client } = await start({ script: [respond(say('never'))] });
    const orphan = await client.chat.completions
      .create({
        ...CHAT,
        messages: [...CHAT.messages, { role: 'tool', tool_call_id: 'call_1', content: 'x' }],
      })
      .catch((e: unknown) => e);
    expect(orphan).toBeInstanceOf(OpenAI.BadRequestError);
    expect((orphan as Error).message).toMatch(
      /messages with role 'tool' must be a response to a preceeding message/,
    );
    const unanswered = await client.chat.completions
      .create({
        ...CHAT,
        messages: [
          ...CHAT.messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'user', content: 'next' },
        ],
      })
      .catch((e: unknown) => e);
    expect(unanswered).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unanswered as Error).message).toMatch(/did not have response messages: call_1/);
    expect(emu.remainingSteps()).toBe(1);
    expect(emu.problems).toHaveLength(2);
  });
});
