import { afterEach, describe, expect, it } from 'vitest';
import { Thread } from '../../src/agent/thread.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { clientFor, testSettings } from '../support/thread.js';
import { echoTool, writeTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('tool set changes', () => {
  it('take effect at the next turn boundary, announced by an appended message', async () => {
    emulator = await startEmulator({
      script: [respond(call('echo', { text: 'a' })), respond(say('one')), respond(say('two'))],
    });
    const log = { runs: [] };
    let pending: ToolRegistry | undefined;
    const thread = new Thread({
      client: clientFor('responses', emulator.url),
      settings: testSettings(),
      tools: new ToolRegistry([echoTool(log)]),
      toolUpdates: () => {
        const registry = pending;
        pending = undefined;
        return registry ? { registry, announcement: 'The tool write_marker is now available.' } : undefined;
      },
    });
    const turn = thread.runTurn('first');
    // A change that arrives mid-turn waits for the boundary.
    pending = new ToolRegistry([echoTool(log), writeTool(log)]);
    await turn;
    await thread.runTurn('second');

    const names = emulator.requests.map((r) => (r.body!.tools as Array<{ name: string }>).map((t) => t.name));
    expect(names).toEqual([['echo'], ['echo'], ['echo', 'write_marker']]);
    const input = emulator.requests[2]!.body!.input as Array<{
      role?: string;
      content?: Array<{ text: string }>;
    }>;
    const announcement = input.at(-2)!;
    expect(announcement.role).toBe('developer');
    expect(announcement.content![0]!.text).toBe(
      '<tools_update>\nThe tool write_marker is now available.\n</tools_update>',
    );
    // History before the announcement is unchanged: the input is an extension of the last request.
    const before = emulator.requests[1]!.body!.input as unknown[];
    expect(input.slice(0, before.length)).toEqual(before);
  });
});
