import { afterEach, describe, expect, it } from 'vitest';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator, think } from '../emulator/index.js';
import { threadOn } from '../support/thread.js';
import { echoTool, type RunLog, writeTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function inputOf(index: number): Array<Record<string, unknown>> {
  return emulator!.requests[index]!.body!.input as Array<Record<string, unknown>>;
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
    const input = inputOf(0);
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

  it('runs tool calls, appends outputs in call order, and samples again', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [
        respond(
          think('plan', 'enc-1'),
          call('echo', { text: 'slow', delay_ms: 80 }),
          call('echo', { text: 'fast' }),
        ),
        respond(say('done')),
      ],
    });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log)]), {
      reasoning: { effort: 'medium', summary: 'auto' },
    });
    const outcome = await thread.runTurn('go');
    expect(outcome.status).toBe('completed');
    expect(emulator.requests[0]!.body).toMatchObject({
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    expect(log.runs).toHaveLength(2);
    // Parallel-safe calls overlap: the fast one started before the slow one ended.
    expect(log.runs[1]!.startedAt).toBeLessThan(log.runs[0]!.endedAt!);

    const second = inputOf(1);
    const tail = second.slice(-5);
    expect(tail.map((i) => i.type)).toEqual([
      'reasoning',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
    ]);
    // Encrypted reasoning goes back unchanged; outputs follow call order, not completion order.
    expect(tail[0]).toMatchObject({ encrypted_content: 'enc-1' });
    expect(tail[3]!.output).toBe('echo: slow');
    expect(tail[4]!.output).toBe('echo: fast');
    expect(tail[3]!.call_id).toBe(tail[1]!.call_id);
    // No ids leak into a store:false request.
    for (const item of second) expect(item).not.toHaveProperty('id');
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
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log), writeTool(log)]));
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
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool(log)]));
    const outcome = await thread.runTurn('go');
    expect(outcome).toMatchObject({ status: 'completed', finalMessage: 'recovered' });
    expect(log.runs).toHaveLength(0);
    const outputs = inputOf(1)
      .filter((i) => i.type === 'function_call_output')
      .map((i) => i.output);
    expect(outputs).toEqual([
      'Invalid arguments for echo: "text": expected string, received number.',
      'Unknown tool "nope". Available tools: echo.',
      expect.stringMatching(/^Invalid arguments for echo: not valid JSON/),
    ]);
    expect(events.filter((e) => e.type === 'item.completed' && e.item.type === 'error')).toHaveLength(3);
  });

  it('makes every request a byte-exact extension of the previous one', async () => {
    const log: RunLog = { runs: [] };
    const steps = [];
    for (let i = 0; i < 12; i++)
      steps.push(respond(think(`step ${i}`, `enc-${i}`), call('echo', { text: `n${i}` })));
    steps.push(respond(say('finished')));
    emulator = await startEmulator({ script: steps });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log)]));
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
      const prevInput = (prev.input as unknown[]).map((x) => JSON.stringify(x));
      const nextInput = (next.input as unknown[]).map((x) => JSON.stringify(x));
      expect(nextInput.slice(0, prevInput.length)).toEqual(prevInput);
      expect(nextInput.length).toBeGreaterThan(prevInput.length);
    }
  });
});
