import { describe, expect, it } from 'vitest';
import { ChatStreamTranslator } from '../../src/model/chat-events.js';
import { ResponsesStreamTranslator } from '../../src/model/responses-events.js';
import type { ModelEvent } from '../../src/model/types.js';

const ctx = { apiKeyEnvVar: 'OPENAI_API_KEY', providerName: 'OpenAI' };

function run(events: unknown[]): ModelEvent[] {
  const translator = new ResponsesStreamTranslator(ctx);
  return events.flatMap((event) => translator.push(event));
}

const done = (events: ModelEvent[]) =>
  events.filter((e) => e.type === 'item_done').map((e) => (e as { item: unknown }).item);

describe('Responses stream translator', () => {
  it('takes minimal streams: items without output_index, no deltas, a bare completed', () => {
    const events = run([
      {
        type: 'response.output_item.done',
        item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
      },
      {
        type: 'response.output_item.done',
        item: { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{}' },
      },
      { type: 'response.completed', response: { id: 'r1' } },
    ]);
    expect(done(events)).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
      { type: 'function_call', name: 'shell', arguments: '{}', call_id: 'c1' },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'completed',
      responseId: 'r1',
      usage: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0 },
    });
  });

  it('keeps items that share an output_index, and reports each item once', () => {
    const call = (id: string) => ({
      type: 'function_call',
      id: `fc_${id}`,
      call_id: id,
      name: 'f',
      arguments: '{}',
    });
    const events = run([
      { type: 'response.output_item.done', output_index: 0, item: call('a') },
      { type: 'response.output_item.done', output_index: 0, item: call('b') },
      {
        type: 'response.completed',
        response: {
          id: 'r',
          output: [call('a'), call('b'), call('c')],
          usage: {
            input_tokens: 10,
            input_tokens_details: { cached_tokens: 4 },
            output_tokens: 3,
            output_tokens_details: { reasoning_tokens: 1 },
          },
        },
      },
    ]);
    expect(done(events).map((i) => (i as { call_id: string }).call_id)).toEqual(['a', 'b', 'c']);
    expect(events.at(-1)).toMatchObject({
      usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 3, reasoning_output_tokens: 1 },
    });
  });

  it('canonicalises: refusals become text, a missing call_id falls back to the id, unknown types are left out', () => {
    const events = run([
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { id: 'm', type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
      },
      {
        type: 'response.output_item.done',
        output_index: 1,
        item: { id: 'fc_9', type: 'function_call', name: 'f', arguments: '{}' },
      },
      {
        type: 'response.output_item.done',
        output_index: 2,
        item: { id: 'ws', type: 'web_search_call', status: 'completed' },
      },
      { type: 'response.completed', response: {} },
    ]);
    expect(done(events)).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'no' }] },
      { type: 'function_call', name: 'f', arguments: '{}', call_id: 'fc_9' },
    ]);
  });

  it('classifies failures: response.failed, response.incomplete, error events', () => {
    expect(
      run([
        {
          type: 'response.failed',
          response: { error: { code: 'rate_limit_exceeded', message: 'Please try again in 2s.' } },
        },
      ]).at(-1),
    ).toMatchObject({
      type: 'failed',
      error: { kind: 'rate_limit', retryable: true, retryAfterMs: 2000 },
    });
    expect(
      run([
        { type: 'response.incomplete', response: { incomplete_details: { reason: 'content_filter' } } },
      ]).at(-1),
    ).toMatchObject({
      type: 'failed',
      error: {
        kind: 'incomplete',
        retryable: false,
        message: 'Incomplete response returned, reason: content_filter',
      },
    });
    expect(
      run([{ type: 'error', code: 'context_length_exceeded', message: 'too long' }]).at(-1),
    ).toMatchObject({
      type: 'failed',
      error: { kind: 'context_length_exceeded', retryable: false },
    });
    expect(run([{ type: 'error', error: { code: 'server_error', message: 'oops' } }]).at(-1)).toMatchObject({
      type: 'failed',
      error: { kind: 'server', retryable: true },
    });
  });

  it('ignores events after the terminal one', () => {
    const events = run([
      { type: 'response.completed', response: {} },
      { type: 'response.output_text.delta', delta: 'late' },
    ]);
    expect(events.map((e) => e.type)).toEqual(['completed']);
  });
});

function chat(chunks: unknown[]): ModelEvent[] {
  const translator = new ChatStreamTranslator();
  return [...chunks.flatMap((chunk) => translator.push(chunk)), ...translator.finish()];
}

describe('Chat stream translator', () => {
  it('accumulates tool calls by index and reports them when the choice finishes', () => {
    const events = chat([
      { choices: [{ delta: { role: 'assistant', content: 'Let me ' } }] },
      { choices: [{ delta: { content: 'look.' } }] },
      {
        choices: [
          {
            delta: {
              tool_calls: [
                { index: 0, id: 'c1', type: 'function', function: { name: 'shell', arguments: '{"comm' } },
              ],
            },
          },
        ],
      },
      {
        choices: [
          {
            delta: {
              tool_calls: [
                { index: 1, id: 'c2', type: 'function', function: { name: 'read', arguments: '{}' } },
              ],
            },
          },
        ],
      },
      { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'and":["ls"]}' } }] } }] },
      { choices: [{ delta: {}, finish_reason: 'tool_calls' }] },
      {
        choices: [],
        usage: { prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 } },
      },
    ]);
    expect(done(events)).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me look.' }] },
      { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'c1' },
      { type: 'function_call', name: 'read', arguments: '{}', call_id: 'c2' },
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'completed',
      usage: { input_tokens: 7, cached_input_tokens: 3, output_tokens: 2 },
    });
  });

  it('takes whole tool calls without index or id, and object arguments (Ollama style)', () => {
    const events = chat([
      {
        choices: [
          {
            delta: { tool_calls: [{ function: { name: 'shell', arguments: { command: ['ls'] } } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
    ]);
    expect(done(events)).toEqual([
      { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'call_chat_0' },
    ]);
  });

  it('streams reasoning_content and reasoning as reasoning', () => {
    const events = chat([
      { choices: [{ delta: { reasoning_content: 'think ' } }] },
      { choices: [{ delta: { reasoning: 'more' } }] },
      { choices: [{ delta: { content: 'ok' }, finish_reason: 'stop' }] },
    ]);
    expect(done(events)[0]).toEqual({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'think more' }],
    });
  });

  it('a stream without a finish reason broke; a length finish is incomplete', () => {
    expect(chat([{ choices: [{ delta: { content: 'x' } }] }]).at(-1)).toMatchObject({
      type: 'failed',
      error: { kind: 'stream_closed', retryable: true },
    });
    expect(chat([{ choices: [{ delta: { content: 'x' }, finish_reason: 'length' }] }]).at(-1)).toMatchObject({
      type: 'failed',
      error: { kind: 'incomplete', retryable: false },
    });
  });
});
