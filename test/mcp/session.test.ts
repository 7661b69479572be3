/**
 * Scripted sessions with MCP tools: a real Thread against the model emulator, with the reference
 * servers from npm and our fixture server. What the "done when" asks: tools of both real
 * servers are called, the cached prefix survives list changes (every request of a turn carries
 * identical tools; the next turn announces the change), and a crashed server costs one tool error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Thread } from '../../src/agent/thread.js';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { builtinTools } from '../../src/session/tools.js';
import type { McpManager } from '../../src/tools/mcp/manager.js';
import { composeMcpTools } from '../../src/tools/mcp/tool-set.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import type { ToolHandler } from '../../src/tools/types.js';
import { call, type Emulator, type RecordedRequest, respond, say, startEmulator } from '../emulator/index.js';
import { clientFor, tempDir, testSettings } from '../support/thread.js';
import { echoTool } from '../support/tools.js';
import { EVERYTHING_BIN, filesystem, fixture, ManagerPool } from './helpers.js';

const pool = new ManagerPool();
let emulator: Emulator | undefined;
afterEach(async () => {
  await pool.closeAll();
  await emulator?.close();
  emulator = undefined;
});

/**
 * A built-in tool for the script: opens `gate` (a gated server starts), then returns once every MCP
 * startup and list refresh is done.
 */
function waitForMcpTool(manager: McpManager, gate: string): ToolHandler<Record<string, never>> {
  return {
    name: 'wait_for_mcp',
    spec: {
      type: 'function',
      name: 'wait_for_mcp',
      description: 'Waits.',
      strict: false,
      parameters: { type: 'object', properties: {} },
    },
    parallel: false,
    parse: () => ({ ok: true, args: {} }),
    run: async () => {
      fs.writeFileSync(gate, '');
      await manager.idle();
      return { output: 'ready', success: true };
    },
  };
}

function toolBytes(request: RecordedRequest): string {
  return JSON.stringify(request.body!.tools);
}

function toolNames(request: RecordedRequest): string[] {
  return (request.body!.tools as Array<{ name: string }>).map((t) => t.name);
}

type InputItem = {
  type: string;
  role?: string;
  call_id?: string;
  output?: unknown;
  content?: Array<{ text?: string }>;
};

function inputOf(request: RecordedRequest): InputItem[] {
  return request.body!.input as InputItem[];
}

function outputFor(request: RecordedRequest, callId: string): unknown {
  return inputOf(request).find((i) => i.type === 'function_call_output' && i.call_id === callId)?.output;
}

function announcements(request: RecordedRequest): string[] {
  return inputOf(request)
    .filter((i) => i.role === 'developer')
    .map((i) => i.content?.[0]?.text ?? '')
    .filter((t) => t.startsWith('<tools_update>'));
}

describe('a scripted session with MCP servers', () => {
  it('calls both real servers, keeps the prefix through list changes, and survives a crash', async () => {
    const work = tempDir('spool-mcp-session-');
    fs.writeFileSync(path.join(work, 'hello.txt'), 'hi there\n');
    // server-everything starts late (once wait_for_mcp opens the gate, after the first request) and
    // announces list changes while it starts: it registers more tools once it knows the client's
    // capabilities.
    const gate = path.join(work, 'gate');
    const slowEverything = {
      command: 'sh',
      args: ['-c', `while [ ! -e "${gate}" ]; do sleep 0.05; done; exec "${EVERYTHING_BIN}" stdio`],
    };
    const { manager } = pool.start({ everything: slowEverything, fs: filesystem(work), fix: fixture() });
    await expect
      .poll(() => manager.status().filter((s) => s.state === 'ready').length, { timeout: 10_000 })
      .toBe(2);

    emulator = await startEmulator({
      script: [
        // Turn 1: everything is still starting; the fixture changes its list mid-turn.
        respond(
          call('mcp__fs__read_text_file', { path: path.join(work, 'hello.txt') }, 'c_read'),
          call('mcp__fix__add_tool', { name: 'late' }, 'c_add'),
        ),
        respond(call('wait_for_mcp', {}, 'c_wait')),
        respond(say('one')),
        // Turn 2: the new tools are there, announced. A server crashes; the next call restarts it.
        respond(
          call('mcp__everything__get-sum', { a: 2, b: 3 }, 'c_sum'),
          call('mcp__fix__crash', {}, 'c_crash'),
        ),
        respond(
          call('mcp__fix__echo', { text: 'after crash' }, 'c_echo'),
          call('mcp__everything__get-tiny-image', {}, 'c_img'),
        ),
        respond(say('two')),
        // Turn 3: the restarted fixture lost its added tool: announced. Then a list_changed that
        // changes nothing.
        respond(call('mcp__fix__touch_list', {}, 'c_touch')),
        respond(say('three')),
        // Turn 4: nothing the model can see changed: no announcement, same bytes.
        respond(say('four')),
      ],
    });
    const log = { runs: [] };
    const tools = composeMcpTools(new ToolRegistry([echoTool(log), waitForMcpTool(manager, gate)]), manager);
    const thread = new Thread({
      client: clientFor('responses', emulator.url),
      settings: testSettings({ cwd: work }),
      tools: tools.registry,
      toolUpdates: tools.toolUpdates,
    });
    const events: SpoolEvent[] = [];
    thread.subscribe((e) => events.push(e));

    expect((await thread.runTurn('first')).status).toBe('completed');
    expect((await thread.runTurn('second')).status).toBe('completed');
    await manager.idle();
    expect((await thread.runTurn('third')).status).toBe('completed');
    await manager.idle();
    expect(manager.status().find((s) => s.name === 'fix')!.listChanged).toBe(2);
    expect((await thread.runTurn('fourth')).status).toBe('completed');
    const r = emulator.requests;
    expect(r).toHaveLength(9);
    expect(emulator.problems).toEqual([]);

    // Turn 1: identical tools in every request, none of the late ones.
    expect(toolBytes(r[1]!)).toBe(toolBytes(r[0]!));
    expect(toolBytes(r[2]!)).toBe(toolBytes(r[0]!));
    expect(toolNames(r[0]!).some((n) => n.startsWith('mcp__everything__') || n === 'mcp__fix__late')).toBe(
      false,
    );
    expect(outputFor(r[1]!, 'c_read')).toBe('hi there\n');
    expect(outputFor(r[1]!, 'c_add')).toBe('added late');

    // Turn 2: the change is announced once, appended; everything before it is unchanged.
    const names = toolNames(r[3]!);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(
      expect.arrayContaining(['echo', 'mcp__everything__get-sum', 'mcp__fix__late', 'wait_for_mcp']),
    );
    // Registered by server-everything after initialisation, announced by list_changed.
    expect(names).toContain('mcp__everything__trigger-elicitation-request');
    expect(manager.status().find((s) => s.name === 'everything')!.listChanged).toBeGreaterThan(0);
    expect(inputOf(r[3]!).slice(0, inputOf(r[2]!).length)).toEqual(inputOf(r[2]!));
    expect(r[3]!.body!.instructions).toBe(r[2]!.body!.instructions);
    const [announcement] = announcements(r[3]!);
    expect(announcements(r[3]!)).toHaveLength(1);
    expect(announcement).toContain('New tools: ');
    expect(announcement).toContain('mcp__everything__get-sum');
    expect(announcement).toContain('mcp__fix__late');
    // The fixture restarted mid-turn without its added tool: the turn still sends the same tools.
    for (const i of [4, 5]) expect(toolBytes(r[i]!)).toBe(toolBytes(r[3]!));

    expect(outputFor(r[4]!, 'c_sum')).toBe('The sum of 2 and 3 is 5.');
    expect(outputFor(r[4]!, 'c_crash')).toBe(
      'MCP server "fix" exited while running "crash"; it will be restarted on the next call.',
    );
    expect(outputFor(r[5]!, 'c_echo')).toBe('echo: after crash');
    const image = outputFor(r[5]!, 'c_img') as Array<{ type: string; image_url?: string }>;
    expect(image.map((p) => p.type)).toContain('input_image');
    expect(image.find((p) => p.type === 'input_image')!.image_url).toMatch(/^data:image\/png;base64,/);

    // Turn 3: the removal, announced; turn 4: nothing new, same bytes.
    expect(announcements(r[6]!)).toHaveLength(2);
    expect(announcements(r[6]!)[1]).toBe(
      '<tools_update>\nThe MCP tools available to you have changed; the tool list you now see is current.\nTools no longer available: mcp__fix__late.\n</tools_update>',
    );
    expect(toolNames(r[6]!)).toEqual(toolNames(r[5]!).filter((n) => n !== 'mcp__fix__late'));
    expect(toolBytes(r[7]!)).toBe(toolBytes(r[6]!));
    expect(announcements(r[8]!)).toHaveLength(2);
    expect(toolBytes(r[8]!)).toBe(toolBytes(r[7]!));
    expect(inputOf(r[8]!).slice(0, inputOf(r[7]!).length)).toEqual(inputOf(r[7]!));

    // Display items: started and completed, with server, tool and result.
    const sum = events.filter(
      (e): e is Extract<SpoolEvent, { type: 'item.completed' }> =>
        e.type === 'item.completed' && e.item.type === 'mcp_tool_call' && e.item.tool === 'get-sum',
    );
    expect(sum).toHaveLength(1);
    expect(sum[0]!.item).toMatchObject({
      server: 'everything',
      arguments: { a: 2, b: 3 },
      status: 'completed',
      error: null,
      result: { content: [{ type: 'text', text: 'The sum of 2 and 3 is 5.' }], structured_content: null },
    });
    const crash = events.find(
      (e) => e.type === 'item.completed' && e.item.type === 'mcp_tool_call' && e.item.tool === 'crash',
    );
    expect(crash).toMatchObject({
      item: { status: 'failed', result: null, error: { message: expect.stringContaining('exited') } },
    });
    expect(events.filter((e) => e.type === 'item.started' && e.item.type === 'mcp_tool_call')).toHaveLength(
      7,
    );
  });

  it('sorts MCP tools in with the default built-in tools, whose hidden shapes still answer', async () => {
    const { manager } = pool.start({ fix: fixture({}, { enabled_tools: ['echo', 'whoami'] }) });
    await manager.settled();
    const builtins = builtinTools(testSettings());
    try {
      const tools = composeMcpTools(builtins.registry, manager);
      const names = tools.registry.names();
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(
        expect.arrayContaining(['mcp__fix__echo', 'mcp__fix__whoami', ...builtins.registry.names()]),
      );
      const hidden = ['shell', 'shell_command', 'exec_command'].filter(
        (n) => !builtins.registry.names().includes(n),
      );
      expect(hidden.length).toBeGreaterThan(0);
      for (const name of hidden) {
        expect(tools.registry.get(name)).toBe(builtins.registry.get(name));
        const resolved = tools.registry.resolve({
          type: 'function_call',
          name,
          arguments: '{}',
          call_id: 'c',
        });
        expect(resolved.handler).toBe(builtins.registry.get(name));
      }
      // Two compositions of the same state are byte-identical.
      const again = composeMcpTools(builtins.registry, manager);
      expect(JSON.stringify(again.registry.specs)).toBe(JSON.stringify(tools.registry.specs));
      expect(tools.toolUpdates()).toBeUndefined();
    } finally {
      await builtins.close();
    }
  });

  it('sends byte-identical specs when a server reorders its tools and properties, and sanitises bad schemas', async () => {
    const { manager } = pool.start({ fix: fixture({ FIXTURE_SHUFFLE: '1', FIXTURE_BAD_SCHEMAS: '1' }) });
    await manager.settled();
    const tools = composeMcpTools(new ToolRegistry([]), manager);
    const before = JSON.stringify(tools.registry.specs);
    const version = manager.snapshot().version;
    // The next listing comes back reversed, properties too.
    await manager.callTool('fix', 'touch_list', {}, new AbortController().signal);
    await expect.poll(() => manager.snapshot().version).toBeGreaterThan(version);
    expect(tools.toolUpdates()).toBeUndefined();
    expect(JSON.stringify(composeMcpTools(new ToolRegistry([]), manager).registry.specs)).toBe(before);

    const spec = (name: string) =>
      tools.registry.specs.find((s) => s.name === name) as
        | { parameters: Record<string, unknown> }
        | undefined;
    expect(spec('mcp__fix__bad_array_without_items')!.parameters).toEqual({
      type: 'object',
      properties: { options: { type: 'object', properties: {} }, tags: { type: 'array', items: {} } },
    });
    expect(spec('mcp__fix__bad_dotted_name')!.parameters).toEqual({
      type: 'object',
      properties: {
        count: { type: 'integer', exclusiveMinimum: 0 },
        mode: { type: 'string', enum: ['fast', 'slow'] },
      },
      required: ['count'],
    });
    expect(spec('mcp__fix__bad_no_schema')!.parameters).toEqual({ type: 'object', properties: {} });
  });
});
