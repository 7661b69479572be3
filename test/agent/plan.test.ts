import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { builtinTools } from '../../src/session/tools.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { testSettings, threadOn } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const plan = (...statuses: string[]) => ({
  explanation: 'working through it',
  plan: statuses.map((status, i) => ({ step: `step ${i + 1}`, status })),
});

describe('update_plan', () => {
  it('shows the plan as one todo list: started, updated, completed when the turn ends', async () => {
    emulator = await startEmulator({
      script: [
        respond(call('update_plan', plan('in_progress', 'pending'))),
        respond(call('update_plan', plan('completed', 'in_progress'))),
        respond(call('update_plan', plan('in_progress', 'in_progress'))),
        respond(say('done')),
      ],
    });
    const settings = testSettings();
    const tools = builtinTools(settings);
    const { thread, events } = threadOn(emulator, tools.registry, settings);
    expect((await thread.runTurn('plan it')).status).toBe('completed');
    await tools.close();

    const todo = events.filter(
      (e): e is Extract<SpoolEvent, { item: unknown }> => 'item' in e && e.item.type === 'todo_list',
    );
    expect(todo.map((e) => e.type)).toEqual(['item.started', 'item.updated', 'item.completed']);
    expect(new Set(todo.map((e) => e.item.id)).size).toBe(1);
    expect(todo.at(-1)!.item).toMatchObject({
      items: [
        { text: 'step 1', completed: true },
        { text: 'step 2', completed: false },
      ],
    });
    // The plan completes before the turn does.
    const completedAt = events.findIndex((e) => e.type === 'item.completed' && e.item.type === 'todo_list');
    expect(completedAt).toBeLessThan(events.findIndex((e) => e.type === 'turn.completed'));
    const outputs = thread.history.filter((i) => i.type === 'function_call_output').map((i) => i.output);
    expect(outputs).toEqual([
      'Plan updated',
      'Plan updated',
      'Invalid arguments for update_plan: at most one step can be in_progress, found 2.',
    ]);
  });
});
