/** App-server threads get the MCP servers of the configuration, joined at a turn boundary. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer, createInProcessConnection } from '../../src/app-server/index.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { serverEnv } from './support/harness.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
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
      `[mcp_servers.fix]\ncommand = "${process.execPath}"\nargs = ["${FIXTURE}"]\n`,
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
});
