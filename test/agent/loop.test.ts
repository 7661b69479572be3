import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryItem } from '../../src/protocol/items.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator, think } from '../emulator/index.js';
import { threadOn, WIRES, type WireName } from '../support/thread.js';
import { echoTool, type RunLog, writeTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

type Json = Record<string, unknown>;

function outputsOf(history: readonly HistoryItem[]): unknown[] {
  return history.filter((i) => i.type === 'function_call_output').map((i) => i.output);
}

/** The conversation part of a request: Responses `input` or Chat `messages`. */
function conversation(index: number): Json[] {
  const body = emulator!.requests[index]!.body!;
  return (body.input ?? body.messages) as Json[];
}

describe('the turn loop over the Responses wire', () => {
  it('answers a plain prompt in one request with the documented request shape', async () => {
    emulator = await startEmulator({ script: [respond(say('Hello there.'))] });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]));
    const outcome = await thread.runTurn('hi');

    expect(outcome).toMatchObject({ status: 'completed', finalMessage: 'Hello there.' });
    expect(emulator.requests).toHaveLength(1);
    const body = emulator.requests[0]!.body!;
    expect(Object.keys(body)).toEqual([
      'model',
      'instructions',
      'input',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
      'store',
      'stream',
      'include',
      'prompt_cache_key',
    ]);
    expect(body).toMatchObject({
      store: false,
      stream: true,
      tool_choice: 'auto',
      prompt_cache_key: thread.id,
    });
    const input = conversation(0);
    expect(input.map((i) => i.role)).toEqual(['developer', 'user', 'user']);
    expect(input[2]).toEqual({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'hi' }],
    });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'turn.started',
        'item.started',
        'item.delta',
        'item.completed',
        'turn.completed',
      ]),
    );
    const message = events.find((e) => e.type === 'item.completed');
    expect(message).toMatchObject({ item: { type: 'agent_message', text: 'Hello there.' } });
    expect(thread.history.at(-1)).toEqual({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Hello there.' }],
    });
  });

  it('sends encrypted reasoning back unchanged and no item ids', async () => {
    emulator = await startEmulator({
      script: [respond(think('plan', 'enc-1'), call('echo', { text: 'x' })), respond(say('done'))],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      reasoning: { effort: 'medium', summary: 'auto' },
    });
    await thread.runTurn('go');
    expect(emulator.requests[0]!.body).toMatchObject({
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    const second = conversation(1);
    expect(second.find((i) => i.type === 'reasoning')).toMatchObject({ encrypted_content: 'enc-1' });
    for (const item of second) expect(item).not.toHaveProperty('id');
  });
});

describe('the turn loop over the Chat Completions wire', () => {
  it('maps history to messages: one system message, grouped tool calls, tool results', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('Let me look.'), call('echo', { text: 'a' }), call('echo', { text: 'b' })),
        respond(say('done')),
      ],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {}, { wire: 'chat' });
    expect(await thread.runTurn('hi')).toMatchObject({ status: 'completed', finalMessage: 'done' });
    const first = emulator.requests[0]!.body!;
    expect(first).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: 'auto',
    });
    expect((first.tools as Json[])[0]).toMatchObject({ type: 'function', function: { name: 'echo' } });
    const messages = conversation(1);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'tool', 'tool']);
    expect(messages[0]!.content).toContain('<permissions>');
    const assistant = messages[3]!;
    expect(assistant.content).toBe('Let me look.');
    expect((assistant.tool_calls as Json[]).map((c) => (c.function as Json).arguments)).toEqual([
      '{"text":"a"}',
      '{"text":"b"}',
    ]);
    expect(messages[4]).toMatchObject({ role: 'tool', content: 'echo: a' });
    expect(messages[4]!.tool_call_id).toBe((assistant.tool_calls as Json[])[0]!.id);
  });
});

describe.each(WIRES)('loop behaviour over the %s wire', (wire: WireName) => {
  it('runs tool calls, appends outputs in call order, and samples again', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [
        respond(call('echo', { text: 'slow', delay_ms: 80 }), call('echo', { text: 'fast' })),
        respond(say('done')),
      ],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log)]), {}, { wire });
    expect((await thread.runTurn('go')).status).toBe('completed');
    expect(log.runs).toHaveLength(2);
    // Parallel-safe calls overlap: the fast one started before the slow one ended.
    expect(log.runs[1]!.startedAt).toBeLessThan(log.runs[0]!.endedAt!);
    expect(outputsOf(thread.history)).toEqual(['echo: slow', 'echo: fast']);
    const tail = thread.history.slice(-5).map((i) => i.type);
    expect(tail).toEqual([
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
      'message',
    ]);
    expect(emulator.problems).toEqual([]);
  });

  it('runs state-changing tools one at a time', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [
        respond(
          call('write_marker', { name: 'a' }),
          call('write_marker', { name: 'b' }),
          call('echo', { text: 'x' }),
        ),
        respond(say('ok')),
      ],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log), writeTool(log)]), {}, { wire });
    await thread.runTurn('go');
    const [a, b, e] = log.runs;
    expect(b!.startedAt).toBeGreaterThanOrEqual(a!.endedAt!);
    expect(e!.startedAt).toBeGreaterThanOrEqual(b!.endedAt!);
  });

  it('sends invalid arguments and unknown tools back to the model and continues', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [
        respond(call('echo', '{"text": 5}'), call('nope', {}), call('echo', '{not json')),
        respond(say('recovered')),
      ],
    });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool(log)]), {}, { wire });
    expect(await thread.runTurn('go')).toMatchObject({ status: 'completed', finalMessage: 'recovered' });
    expect(log.runs).toHaveLength(0);
    expect(outputsOf(thread.history)).toEqual([
      'Invalid arguments for echo: "text": expected string, received number.',
      'Unknown tool "nope". Available tools: echo.',
      expect.stringMatching(/^Invalid arguments for echo: not valid JSON/),
    ]);
    expect(events.filter((e) => e.type === 'item.completed' && e.item.type === 'error')).toHaveLength(3);
  });

  it('makes every request a byte-exact extension of the previous one', async () => {
    const steps = [];
    for (let i = 0; i < 12; i++)
      steps.push(respond(think(`step ${i}`, `enc-${i}`), call('echo', { text: `n${i}` })));
    steps.push(respond(say('finished')));
    emulator = await startEmulator({ script: steps });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {}, { wire });
    await thread.runTurn('loop');
    emulator.addSteps(respond(say('second turn')));
    await thread.runTurn('again');

    const requests = emulator.requests;
    expect(requests).toHaveLength(14);
    for (let i = 1; i < requests.length; i++) {
      const prev = requests[i - 1]!.body!;
      const next = requests[i]!.body!;
      expect(next.instructions).toBe(prev.instructions);
      expect(JSON.stringify(next.tools)).toBe(JSON.stringify(prev.tools));
      const prevItems = conversation(i - 1).map((x) => JSON.stringify(x));
      const nextItems = conversation(i).map((x) => JSON.stringify(x));
      // Chat groups tool calls into the assistant message that precedes the results, so the last
      // message of a request may grow; every earlier message is identical.
      const stable = wire === 'chat' ? prevItems.length - 1 : prevItems.length;
      expect(nextItems.slice(0, stable)).toEqual(prevItems.slice(0, stable));
      expect(nextItems.length).toBeGreaterThan(prevItems.length);
      // The emulator's prefix cache (like OpenAI's) reuses nearly all of the previous request.
      if (requests[i - 1]!.inputTokens >= 1_200) {
        expect(requests[i]!.cachedTokens).toBeGreaterThan(requests[i - 1]!.inputTokens - 200);
      }
    }
    expect(requests.at(-1)!.inputTokens).toBeGreaterThan(1_200);
  });
});
