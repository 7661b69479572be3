import { afterEach, describe, expect, it } from 'vitest';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { threadOn } from '../support/thread.js';
import { echoTool, type RunLog } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('steering a running turn', () => {
  it('commits the input before the next model request of the same turn', async () => {
    const log: RunLog = { runs: [] };
    emulator = await startEmulator({
      script: [respond(call('echo', { text: 'a', delay_ms: 150 })), respond(say('ok'))],
    });
    const { thread, events } = threadOn(emulator, new ToolRegistry([echoTool(log)]));
    expect(thread.steer('too early')).toBeUndefined();
    const turn = thread.runTurn('start');
    while (log.runs.length === 0) await new Promise((r) => setTimeout(r, 5));
    const turnId = thread.steer('and also check b');
    expect(turnId).toBe(events.find((e) => e.type === 'turn.started')!.turn_id);
    expect((await turn).status).toBe('completed');
    const input = emulator.requests[1]!.body!.input as Array<Record<string, unknown>>;
    expect(input.slice(-3)).toMatchObject([
      { type: 'function_call', name: 'echo' },
      { type: 'function_call_output', output: 'echo: a' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and also check b' }] },
    ]);
    expect(events.some((e) => e.type === 'input.steered')).toBe(true);
    expect(emulator.problems).toEqual([]);
  });
});
