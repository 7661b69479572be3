import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { jsonLines, ROOT, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const FIXTURE = path.join(ROOT, 'test/mcp/fixtures/fixture-server.mjs');

describe('spool exec with an MCP server from config.toml', () => {
  it('offers the server tools, calls one, and shows the call as an mcp_tool_call item', async () => {
    const home = tempDir('spool-home-');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      `[mcp_servers.fix]\ncommand = "${process.execPath}"\nargs = ["${FIXTURE}"]\n`,
    );
    emulator = await startEmulator({
      script: [respond(call('mcp__fix__echo', { text: 'through MCP' })), respond(say('done'))],
    });
    const run = await runSpool(['exec', '--skip-git-repo-check', '--json', '-C', tempDir(), 'use the tool'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    const names = (emulator.requests[0]!.body!.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain('mcp__fix__echo');
    expect(names).toEqual([...names].sort());
    const output = (emulator.requests[1]!.body!.input as Array<Record<string, unknown>>).find(
      (i) => i.type === 'function_call_output',
    );
    expect(JSON.stringify(output!.output)).toContain('through MCP');
    const item = jsonLines(run.stdout).find(
      (e) => e.type === 'item.completed' && (e.item as { type: string }).type === 'mcp_tool_call',
    );
    expect(item).toMatchObject({ item: { server: 'fix', tool: 'echo', status: 'completed', error: null } });
  });
});
