/**
 * The request bytes are exactly `JSON.stringify` of the request body, however the history grows
 * and whatever its text holds; and what the emulator receives from the client is those bytes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BodyEncoder } from '../../src/model/body-encoder.js';
import { ResponsesClient, responsesRequestBody } from '../../src/model/responses-client.js';
import type { ModelRequest } from '../../src/model/types.js';
import type { HistoryItem } from '../../src/protocol/items.js';
import { respond, say, startEmulator } from '../emulator/index.js';

const user = (text: string): HistoryItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

function request(input: HistoryItem[], instructions = 'Be brief.'): ModelRequest {
  return {
    model: 'gpt-5',
    instructions,
    input,
    tools: [
      { type: 'function', name: 'shell', description: 'run', parameters: { type: 'object' }, strict: false },
    ],
    parallelToolCalls: true,
    reasoning: { effort: 'low', summary: 'auto' },
    promptCacheKey: 'thread',
  };
}

describe('request body bytes', () => {
  it('are JSON.stringify of the body as the history grows, with text of every kind', () => {
    const encoder = new BodyEncoder();
    const history: HistoryItem[] = [];
    const texts = ['plain', 'ünïcødé ✓ 𝄞', 'quotes " and \\ backslashes', 'nul \u0000 and "input":"x"', ''];
    for (const text of texts) {
      history.push(user(text), {
        type: 'function_call',
        name: 'shell',
        arguments: JSON.stringify({ command: ['echo', text] }),
        call_id: `call_${history.length}`,
      });
      history.push({ type: 'function_call_output', call_id: `call_${history.length - 1}`, output: text });
      // The instructions may even hold the text the encoder uses to find the input.
      const body = responsesRequestBody(request(history, `Follow "input": rules ${text}`));
      expect(Buffer.concat(encoder.encode(body)).toString('utf8')).toBe(JSON.stringify(body));
    }
  });

  it('are what the emulator receives from the Responses client', async () => {
    const emulator = await startEmulator({ script: [respond(say('a')), respond(say('b'))] });
    try {
      const client = new ResponsesClient({
        baseURL: emulator.url,
        apiKey: 'k',
        idleTimeoutMs: 10_000,
        errorContext: { apiKeyEnvVar: 'OPENAI_API_KEY', providerName: 'OpenAI' },
      });
      const history = [user('first ✓')];
      for (const _ of [1, 2]) {
        for await (const event of client.stream(request(history), new AbortController().signal)) {
          if (event.type === 'item_done') history.push(event.item);
        }
        history.push(user('next'));
      }
      expect(emulator.requests.map((r) => r.bodyText)).toEqual([
        JSON.stringify(responsesRequestBody(request(history.slice(0, 1)))),
        JSON.stringify(responsesRequestBody(request(history.slice(0, 3)))),
      ]);
      expect(emulator.requests[0]!.headers['content-type']).toBe('application/json');
      expect(emulator.problems).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('have digests equal to hashing the whole bytes, as the history grows, is replaced or the text before it changes', () => {
    const encoder = new BodyEncoder();
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const check = (body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      expect(encoder.digests(body)).toEqual({
        sha256: sha(text),
        bytes: Buffer.byteLength(text, 'utf8'),
        input: sha(JSON.stringify(body.input)),
      });
      // Encoding after digesting (the order a recorded request takes) gives the same bytes.
      expect(Buffer.concat(encoder.encode(body)).toString('utf8')).toBe(text);
    };
    let history: HistoryItem[] = [];
    check(responsesRequestBody(request(history)));
    for (const text of ['one', 'ünïcødé ✓ 𝄞', 'two "input":[', 'three']) {
      history.push(user(text), { type: 'function_call_output', call_id: `c${history.length}`, output: text });
      check(responsesRequestBody(request(history)));
      // The same body twice: nothing new to hash, the same digests.
      check(responsesRequestBody(request(history)));
    }
    // Other instructions: the text before the input changed, so the hashes start over.
    check(responsesRequestBody(request(history, 'Be thorough.')));
    check(responsesRequestBody(request(history)));
    // Compaction: a shorter history of other items.
    history = [user('summary of all that')];
    check(responsesRequestBody(request(history)));
    // An item replaced in place by an equal-looking but different object is not taken for the old one.
    history.push(user('x'));
    check(responsesRequestBody(request(history)));
    history[1] = user('y');
    check(responsesRequestBody(request(history)));
    // Histories past several segments of kept bytes, grown one item at a time, then compacted.
    for (let i = 0; i < 40; i++) {
      history.push(user(`${i} ${'long output ✓ '.repeat(700)}`));
      check(responsesRequestBody(request(history)));
    }
    history = history.slice(20);
    check(responsesRequestBody(request(history)));
    expect(encoder.digests({ model: 'm', messages: [] })).toBeUndefined();
  });

  it('reuse the text around the input only while every other field is as it was', () => {
    const encoder = new BodyEncoder();
    const tools = request([]).tools;
    const history: HistoryItem[] = [user('a')];
    const variants: Array<Partial<ModelRequest>> = [
      {},
      {},
      { reasoning: { effort: 'high', summary: 'auto' } },
      { promptCacheKey: 'other thread' },
      { instructions: 'Other instructions.' },
      { instructions: 'Other instructions.', model: 'gpt-5-mini' },
      { verbosity: 'low' },
      { tools: [...tools] },
      {},
    ];
    for (const variant of variants) {
      history.push(user(`turn ${history.length}`));
      const body = responsesRequestBody({ ...request(history), tools, ...variant });
      expect(Buffer.concat(encoder.encode(body)).toString('utf8')).toBe(JSON.stringify(body));
    }
  });
});
