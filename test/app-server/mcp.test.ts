/** App-server threads get the MCP servers of the configuration, joined at a turn boundary. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessConnection } from '../../src/app-server/in-process.js';
import { AppServer } from '../../src/app-server/server.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { type ProcessClient, serverEnv, spawnServer } from './support/harness.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
let child: ProcessClient | undefined;
afterEach(async () => {
  if (child) {
    child.child.stdin?.end();
    await child.exited;
    child = undefined;
  }
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

const FIXTURE = path.join(ROOT, 'test/mcp/fixtures/fixture-server.mjs');

describe('app-server threads and MCP', () => {
  it('offers the configured servers tools from a turn boundary on, and calls them', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('first')),
        respond(call('mcp__fix__echo', { text: 'via app-server' })),
        respond(say('done')),
      ],
    });
    const env = serverEnv(emulator);
    fs.writeFileSync(
      path.join(env.SPOOL_HOME!, 'config.toml'),
      `[mcp_servers.fix]\ncommand = "${process.execPath}"\nargs = ["${FIXTURE}"]\ndefault_tools_approval_mode = "approve"\n`,
    );
    server = new AppServer({ env });
    const client = createInProcessConnection(server, { keepMessages: true });
    await client.request('initialize', { clientInfo: { name: 't', version: '0' } });
    const { thread } = await client.request<{ thread: { id: string } }>('thread/start', { cwd: tempDir() });
    const completed = (turnId: string) =>
      new Promise<void>((resolve) => {
        client.onNotification((n) => {
          if (n.method === 'turn/completed' && (n.params as { turn: { id: string } }).turn.id === turnId)
            resolve();
        });
      });
    const run = async (text: string) => {
      const { turn } = await client.request<{ turn: { id: string } }>('turn/start', {
        threadId: thread.id,
        input: [{ type: 'text', text }],
      });
      await completed(turn.id);
    };
    await run('hello');
    // Give the server time to start; its tools join at the next turn boundary.
    for (let i = 0; i < 100 && !fs.existsSync(path.join(env.SPOOL_HOME!, 'log/mcp-fix.log')); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
    await run('use the tool');

    const tools = emulator.requests.map((r) => (r.body!.tools as Array<{ name: string }>).map((t) => t.name));
    expect(tools[1]).toContain('mcp__fix__echo');
    const output = (emulator.requests[2]!.body!.input as Array<Record<string, unknown>>).find(
      (i) => i.type === 'function_call_output',
    );
    expect(JSON.stringify(output)).toContain('via app-server');
  });

  it('waits for the servers at thread/start, reports their startup, and asks before a tool call as Codex does', async () => {
    emulator = await startEmulator({
      script: [
        respond(call('mcp__slow__echo', { text: 'asked first' })),
        respond(say('first done')),
        respond(call('mcp__slow__echo', { text: 'remembered' })),
        respond(say('second done')),
      ],
    });
    const env = serverEnv(emulator);
    fs.writeFileSync(
      path.join(env.SPOOL_HOME!, 'config.toml'),
      [
        '[mcp_servers.slow]',
        `command = "${process.execPath}"`,
        `args = ["${FIXTURE}"]`,
        '[mcp_servers.slow.env]',
        'FIXTURE_STARTUP_DELAY_MS = "1500"',
        '',
      ].join('\n'),
    );
    child = spawnServer(env);
    const { client } = child;
    client.onServerRequest = (request) =>
      request.method === 'mcpServer/elicitation/request'
        ? { action: 'accept', content: null, _meta: { persist: 'session' } }
        : { decision: 'decline' };
    await client.initialize();
    const threadId = (await client.call('thread/start', { cwd: tempDir(), approvalPolicy: 'on-request' }))
      .thread.id;
    const statuses = client
      .notifications('mcpServer/startupStatus/updated')
      .map((p) => `${p.name}:${p.status}`);
    expect(statuses).toEqual(['slow:starting', 'slow:ready']);
    const turn = async (text: string) => {
      const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text }] });
      return (await client.turnCompleted(turn.id)).params.turn;
    };
    expect((await turn('one')).status).toBe('completed');
    // The slow server was in the first request.
    const names = (emulator.requests[0]!.body!.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain('mcp__slow__echo');
    // The call was asked about, naming the server, the tool and its arguments, then ran.
    const asked = client.messages.filter((m) => m.method === 'mcpServer/elicitation/request');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.params).toMatchObject({ serverName: 'slow', mode: 'form' });
    expect(asked[0]!.params.message).toContain('echo');
    expect(asked[0]!.params.message).toContain('asked first');
    expect(JSON.stringify(emulator.requests[1]!.body!.input)).toContain('echo: asked first');
    // Approved for the session: the next call of the same tool is not asked again.
    expect((await turn('two')).status).toBe('completed');
    expect(client.messages.filter((m) => m.method === 'mcpServer/elicitation/request')).toHaveLength(1);
    expect(JSON.stringify(emulator.requests[3]!.body!.input)).toContain('echo: remembered');
    expect(client.schemaProblems()).toEqual([]);
  }, 90_000);
});
