/**
 * `spool mcp-server` answering the MCP SDK's own client: a real child process speaking stdio,
 * running sessions against the model emulator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { MCP_SERVER_DECLINE_REASON } from '../../src/cli/mcp-server.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

const SERVER = path.join(ROOT, 'test/mcp/fixtures/spool-mcp-server.ts');

let emulator: Emulator | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await emulator?.close();
  emulator = undefined;
});

async function connect(
  e: Emulator,
  home: string,
  config: string[] = [],
  env: Record<string, string> = { OPENAI_API_KEY: 'test-key' },
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', SERVER, ...config.flatMap((c) => ['-c', c])],
    cwd: ROOT,
    env: { OPENAI_BASE_URL: e.url, SPOOL_HOME: home, ...env },
    stderr: 'pipe',
  });
  const c = new Client({ name: 'test-client', version: '1.0.0' });
  await c.connect(transport);
  // Every message as it arrived, in order. The SDK hands notifications to their handlers a
  // microtask later than responses, so a progress notification that arrives in the same chunk as
  // the result can miss `onprogress`: what the server sent, and in what order, is read here.
  received = [];
  const deliver = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(message as Record<string, unknown>);
    deliver?.(message);
  };
  return c;
}

let received: Array<Record<string, unknown>> = [];

/** The messages of the progress notifications received before the response to request `id`. */
function progressBefore(id: unknown): string[] {
  const end = received.findIndex((m) => m.id === id && ('result' in m || 'error' in m));
  return received
    .slice(0, end === -1 ? received.length : end)
    .filter((m) => m.method === 'notifications/progress')
    .map((m) => String((m.params as { message?: string }).message ?? ''));
}

function textOf(result: unknown): string {
  return ((result as { content?: Array<{ type: string; text?: string }> }).content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('');
}

describe('spool mcp-server', () => {
  it('starts a session, declines approvals with a reason, and continues the session by thread id', async () => {
    const work = tempDir('spool-mcp-work-');
    const home = tempDir('spool-mcp-home-');
    emulator = await startEmulator({
      script: [
        respond(call('shell', { command: ['touch', 'made-by-spool.txt'] })),
        respond(say('I could not create the file.')),
        respond(say('Second answer.')),
      ],
    });
    client = await connect(emulator, home);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['spool', 'spool-reply']);
    expect(tools.find((t) => t.name === 'spool')?.inputSchema.required).toEqual(['prompt']);

    const progress: string[] = [];
    const first = await client.callTool(
      {
        name: 'spool',
        arguments: { prompt: 'create a file', cwd: work, sandbox: 'read-only', approval_policy: 'untrusted' },
      },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? '') },
    );
    expect(first.isError ?? false).toBe(false);
    expect(textOf(first)).toBe('I could not create the file.');
    const structured = first.structuredContent as { threadId: string; status: string };
    expect(structured.status).toBe('completed');
    expect(structured.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fs.existsSync(path.join(work, 'made-by-spool.txt'))).toBe(false);
    // The model was told why: nobody could approve.
    const output = JSON.stringify(emulator.requests[1]!.body!.input);
    expect(output).toContain(MCP_SERVER_DECLINE_REASON.slice(0, 60));
    // The final answer went out as progress too, before the result.
    const answered = received.find(
      (m) => 'result' in m && textOf(m.result) === 'I could not create the file.',
    );
    expect(answered).toBeDefined();
    expect(progressBefore(answered!.id)).toContain('I could not create the file.');

    const second = await client.callTool({
      name: 'spool-reply',
      arguments: { threadId: structured.threadId, prompt: 'and now?' },
    });
    expect(textOf(second)).toBe('Second answer.');
    // Same conversation: the third request extends the second one's input.
    const before = emulator.requests[1]!.body!.input as unknown[];
    const after = emulator.requests[2]!.body!.input as unknown[];
    expect(after.slice(0, before.length)).toEqual(before);
    expect(emulator.requests[2]!.body!.prompt_cache_key).toBe(structured.threadId);

    const unknown = await client.callTool({
      name: 'spool-reply',
      arguments: { threadId: 'nope', prompt: 'x' },
    });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('No session with thread id nope');
    expect(emulator.problems).toEqual([]);
  });

  it('reports invalid settings as a tool error, not a crash', async () => {
    emulator = await startEmulator({ script: [] });
    client = await connect(emulator, tempDir('spool-mcp-home-'));
    const result = await client.callTool({
      name: 'spool',
      arguments: { prompt: 'x', cwd: path.join(tempDir(), 'does-not-exist') },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/working directory .* does not exist/);
    const badProfile = await client.callTool({ name: 'spool', arguments: { prompt: 'x', profile: 'nope' } });
    expect(badProfile.isError).toBe(true);
    expect(textOf(badProfile)).toContain('profile "nope" is not defined');
  });

  it('checks the API key the way every front end does: each provider by its own variable', async () => {
    emulator = await startEmulator({ script: [respond(say('should not be reached'))] });
    // No key in the environment (the Azure resource is named, so only its key is missing).
    client = await connect(emulator, tempDir('spool-mcp-home-'), [], {
      PATH: process.env.PATH ?? '',
      AZURE_OPENAI_ENDPOINT: 'https://example.openai.azure.com/openai',
    });
    for (const [provider, variable] of [
      ['openrouter', 'OPENROUTER_API_KEY'],
      ['azure', 'AZURE_OPENAI_API_KEY'],
    ]) {
      const result = await client.callTool({
        name: 'spool',
        arguments: { prompt: 'hi', cwd: tempDir(), config: { model_provider: provider } },
      });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(variable);
    }
    expect(emulator.requests).toHaveLength(0);
  }, 60_000);

  it('treats its own sandbox and approval settings as upper bounds a call may only narrow', async () => {
    const work = tempDir('spool-mcp-work-');
    emulator = await startEmulator({
      script: [respond(call('shell', { command: ['touch', 'escaped.txt'] })), respond(say('narrowed run'))],
    });
    client = await connect(emulator, tempDir('spool-mcp-home-'), [
      'sandbox_mode="read-only"',
      'approval_policy="untrusted"',
    ]);
    const wider: Array<[Record<string, unknown>, string]> = [
      [{ sandbox: 'danger-full-access' }, 'sandbox danger-full-access'],
      [{ sandbox: 'workspace-write' }, 'sandbox workspace-write'],
      [{ config: { sandbox_mode: 'danger-full-access' } }, 'sandbox danger-full-access'],
      [{ approval_policy: 'never' }, 'approval policy never'],
      [{ config: { approval_policy: 'on-request' } }, 'approval policy on-request'],
    ];
    for (const [settings, reason] of wider) {
      const result = await client.callTool({
        name: 'spool',
        arguments: { prompt: 'escape', cwd: work, ...settings },
      });
      expect(result.isError, JSON.stringify(settings)).toBe(true);
      expect(textOf(result)).toContain(reason);
    }
    expect(emulator.requests).toHaveLength(0);
    // Within the bounds the session runs, and its command stays in the read-only sandbox.
    const narrowed = await client.callTool({
      name: 'spool',
      arguments: { prompt: 'try', cwd: work, sandbox: 'read-only', approval_policy: 'untrusted' },
    });
    expect(narrowed.isError ?? false).toBe(false);
    expect(textOf(narrowed)).toBe('narrowed run');
    expect(fs.existsSync(path.join(work, 'escaped.txt'))).toBe(false);
  }, 90_000);
});
