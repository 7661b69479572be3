/**
 * `spool app-server` as a process on stdio, driven like an editor drives Codex's: handshake,
 * streaming turns, approvals, interrupts, file-system calls, malformed input. Every message the
 * server sends is checked against Codex's v2 JSON Schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator, think } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { type ProcessClient, serverEnv, spawnServer } from './support/harness.js';
import type { Loose, ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let server: ProcessClient | undefined;
afterEach(async () => {
  if (server) {
    server.child.stdin?.end();
    await server.exited;
    server = undefined;
  }
  await emulator?.close();
  emulator = undefined;
});

async function startThread(client: ProtocolClient, params: Record<string, unknown>): Promise<string> {
  const started = await client.call('thread/start', params);
  return started.thread.id as string;
}

async function runTurn(client: ProtocolClient, threadId: string, text: string) {
  const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text }] });
  const completed = await client.turnCompleted(turn.id);
  return { turnId: turn.id as string, completed: completed.params.turn };
}

describe('spool app-server on stdio', () => {
  it('initializes, then streams a turn: deltas, items, usage, completion', async () => {
    const answer = 'Hello from the emulator: this answer arrives in several pieces.';
    emulator = await startEmulator({ script: [respond(think('Say hello.'), say(answer))] });
    server = spawnServer(serverEnv(emulator));
    const { client } = server;

    const early = await client.request('thread/list', {});
    expect(early.error).toMatchObject({ code: -32600, message: 'Not initialized' });
    const init = await client.initialize();
    expect(init).toMatchObject({ platformFamily: 'unix', userAgent: expect.stringContaining('spool/') });
    const again = await client.request('initialize', { clientInfo: { name: 'x', version: '1' } });
    expect(again.error).toMatchObject({ code: -32600, message: 'Already initialized' });

    const cwd = tempDir();
    const started = await client.call('thread/start', { cwd, sandbox: 'read-only', approvalPolicy: 'never' });
    expect(started).toMatchObject({
      cwd,
      approvalPolicy: 'never',
      sandbox: { type: 'readOnly' },
      thread: { status: { type: 'idle' }, ephemeral: false, turns: [] },
    });
    const threadId = started.thread.id;
    await client.waitFor((m) => m.method === 'thread/started' && m.params.thread.id === threadId);

    const { turnId, completed } = await runTurn(client, threadId, 'say hello');
    expect(completed).toMatchObject({ id: turnId, status: 'completed', error: null });

    // The response to turn/start comes before turn/started.
    const index = (predicate: (m: ProtocolClient['messages'][number]) => boolean) =>
      client.messages.findIndex(predicate);
    expect(index((m) => m.result?.turn?.id === turnId)).toBeLessThan(
      index((m) => m.method === 'turn/started' && m.params.turn.id === turnId),
    );
    const deltas = client.notifications('item/agentMessage/delta', (p) => p.turnId === turnId);
    expect(deltas.length).toBeGreaterThan(1);
    const message = client
      .notifications('item/completed', (p) => p.item.type === 'agentMessage')
      .map((p) => p.item)[0];
    expect(message.text).toBe(answer);
    expect(deltas.map((d) => d.delta).join('')).toBe(answer);
    expect(new Set(deltas.map((d) => d.itemId))).toEqual(new Set([message.id]));
    // Every item starts before it completes, once.
    const started_ = client.notifications('item/started').map((p) => p.item.id);
    const completed_ = client.notifications('item/completed').map((p) => p.item.id);
    expect(new Set(started_).size).toBe(started_.length);
    expect([...started_].sort()).toEqual([...completed_].sort());
    expect(client.notifications('item/started').map((p) => p.item.type)).toEqual([
      'userMessage',
      'reasoning',
      'agentMessage',
    ]);
    expect(
      client
        .notifications('item/reasoning/summaryTextDelta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Say hello.');
    const usage = client.notifications('thread/tokenUsage/updated');
    expect(usage.at(-1).tokenUsage.total.inputTokens).toBeGreaterThan(0);

    const read = await client.call('thread/read', { threadId, includeTurns: true });
    expect(read.thread.turns).toHaveLength(1);
    expect(read.thread.turns[0].items.map((i: { type: string }) => i.type)).toEqual([
      'userMessage',
      'reasoning',
      'agentMessage',
    ]);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('asks before running a command under the untrusted policy: accepted runs, declined does not', async () => {
    emulator = await startEmulator({
      script: [
        respond(shellCall('echo approved > a.txt')),
        respond(shellCall('echo declined > b.txt')),
        respond(say('Both asked.')),
      ],
    });
    server = spawnServer(serverEnv(emulator));
    const { client } = server;
    await client.initialize();
    const answers = ['accept', 'decline'];
    client.onServerRequest = () => ({ decision: answers.shift() });
    const cwd = tempDir();
    const threadId = await startThread(client, {
      cwd,
      sandbox: 'workspace-write',
      approvalPolicy: 'untrusted',
    });
    const { completed } = await runTurn(client, threadId, 'write two files');
    expect(completed.status).toBe('completed');
    expect(fs.readFileSync(path.join(cwd, 'a.txt'), 'utf8')).toBe('approved\n');
    expect(fs.existsSync(path.join(cwd, 'b.txt'))).toBe(false);

    const requests = client.messages.filter((m) => m.method === 'item/commandExecution/requestApproval');
    expect(requests.map((r) => r.params.command)).toEqual([
      "bash -c 'echo approved > a.txt'",
      "bash -c 'echo declined > b.txt'",
    ]);
    for (const request of requests) {
      const { itemId } = request.params;
      // The item is shown before the question, and completed after the answer.
      const startedAt = client.messages.findIndex(
        (m) => m.method === 'item/started' && m.params.item.id === itemId,
      );
      expect(startedAt).toBeGreaterThanOrEqual(0);
      expect(startedAt).toBeLessThan(client.messages.indexOf(request));
      expect(client.notifications('serverRequest/resolved', (p) => p.requestId === request.id)).toHaveLength(
        1,
      );
    }
    const finals = requests.map(
      (r) => client.notifications('item/completed', (p) => p.item.id === r.params.itemId)[0].item,
    );
    expect(finals[0]).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(finals[1]).toMatchObject({ status: 'declined' });
    // One item per command: the tool's own items continued the asked ones.
    expect(client.notifications('item/completed', (p) => p.item.type === 'commandExecution')).toHaveLength(2);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('interrupts a running turn', async () => {
    emulator = await startEmulator({ script: [respond(shellCall('sleep 30'))] });
    server = spawnServer(serverEnv(emulator));
    const { client } = server;
    await client.initialize();
    const threadId = await startThread(client, {
      cwd: tempDir(),
      sandbox: 'danger-full-access',
      approvalPolicy: 'never',
    });
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'wait' }] });
    await client.waitFor((m) => m.method === 'item/started' && m.params.item.type === 'commandExecution');

    const wrong = await client.request('turn/interrupt', { threadId, turnId: 'not-a-turn' });
    expect(wrong.error.message).toContain(`the running turn is ${turn.id}`);
    const began = Date.now();
    expect(await client.call('turn/interrupt', { threadId, turnId: turn.id })).toEqual({});
    const completed = await client.turnCompleted(turn.id);
    expect(completed.params.turn.status).toBe('interrupted');
    expect(Date.now() - began).toBeLessThan(10_000);
    const command = client.notifications('item/completed', (p) => p.item.type === 'commandExecution')[0].item;
    expect(command.status).toBe('failed');
    expect(emulator.requests).toHaveLength(1);

    // The thread takes a new turn afterwards.
    emulator.addSteps(respond(say('Back.')));
    expect((await runTurn(client, threadId, 'again')).completed.status).toBe('completed');
    expect(client.schemaProblems()).toEqual([]);
  });

  it('answers malformed input with errors and keeps serving', async () => {
    emulator = await startEmulator({ script: [] });
    server = spawnServer(serverEnv(emulator), ['--max-message-bytes', '4096']);
    const { client } = server;
    const errorFor = (predicate: (m: Loose) => boolean) =>
      client.waitFor((m) => m.error !== undefined && predicate(m));

    client.sendRaw('this is not JSON');
    expect((await errorFor((m) => m.error.code === -32700)).id).toBeNull();
    client.sendRaw('[{"id":1,"method":"initialize"}]');
    expect((await errorFor((m) => /batch/.test(m.error.message))).error.code).toBe(-32600);
    client.sendRaw(JSON.stringify({ id: { nested: true }, method: 'initialize' }));
    await errorFor((m) => /"id" must be a string or an integer/.test(m.error.message));
    client.sendRaw(JSON.stringify({ jsonrpc: '1.0', id: 'v', method: 'initialize' }));
    await errorFor((m) => m.id === 'v' && /jsonrpc/.test(m.error.message));
    client.sendRaw(`{"id":"big","method":"initialize","params":{"pad":"${'x'.repeat(10_000)}"}}`);
    expect((await errorFor((m) => /exceeds the limit of 4096 bytes/.test(m.error.message))).id).toBeNull();

    // jsonrpc: "2.0" is accepted, as is its absence.
    const init = await client.request('initialize', { clientInfo: { name: 'n', version: '1' } }, 'init');
    expect(init.result.platformOs).toBeTruthy();
    const unknown = await client.request('nope/unknown', {});
    expect(unknown.error).toEqual({ code: -32601, message: 'Method not found: nope/unknown' });
    const badParams = await client.request('thread/start', { cwd: 5, sandbox: 'everything' });
    expect(badParams.error.code).toBe(-32602);
    expect(badParams.error.message).toMatch(/^Invalid params for thread\/start: cwd: .*; sandbox: /);
    const noParams = await client.request('turn/start');
    expect(noParams.error.message).toMatch(/threadId/);
    const missing = await client.request('turn/start', { threadId: 'nope', input: [] });
    expect(missing.error.message).toMatch(/thread nope is not loaded/);
    client.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'thread/loaded/list', params: {} }));
    expect((await client.waitFor((m) => m.id === 77)).result).toEqual({ data: [], nextCursor: null });
    // A response to nothing, and an unknown notification, are ignored.
    client.sendRaw(JSON.stringify({ id: 12345, result: {} }));
    client.sendRaw(JSON.stringify({ method: 'something/else', params: {} }));
    expect(await client.call('thread/loaded/list', {})).toEqual({ data: [], nextCursor: null });
    expect(server.child.exitCode).toBeNull();
    expect(client.schemaProblems()).toEqual([]);
  });

  it('reads and writes files with fs/* (absolute paths, base64)', async () => {
    emulator = await startEmulator({ script: [] });
    server = spawnServer(serverEnv(emulator));
    const { client } = server;
    await client.initialize();
    const dir = tempDir();
    const file = path.join(dir, 'note.txt');
    const bytes = Buffer.from('héllo\n\u0000binary');
    expect(await client.call('fs/writeFile', { path: file, dataBase64: bytes.toString('base64') })).toEqual(
      {},
    );
    expect(fs.readFileSync(file)).toEqual(bytes);
    expect(Buffer.from((await client.call('fs/readFile', { path: file })).dataBase64, 'base64')).toEqual(
      bytes,
    );
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync(file, path.join(dir, 'link'));
    expect((await client.call('fs/readDirectory', { path: dir })).entries).toEqual([
      { fileName: 'link', isDirectory: false, isFile: true },
      { fileName: 'note.txt', isDirectory: false, isFile: true },
      { fileName: 'sub', isDirectory: true, isFile: false },
    ]);
    const meta = await client.call('fs/getMetadata', { path: path.join(dir, 'link') });
    expect(meta).toMatchObject({ isFile: true, isDirectory: false, isSymlink: true });
    expect(meta.modifiedAtMs).toBeGreaterThan(Date.now() - 60_000);

    const relative = await client.request('fs/readFile', { path: 'note.txt' });
    expect(relative.error).toMatchObject({ code: -32602, message: 'path must be absolute, not "note.txt"' });
    const absent = await client.request('fs/readFile', { path: path.join(dir, 'absent') });
    expect(absent.error.message).toBe(`cannot read ${path.join(dir, 'absent')}: no such file or directory`);
    const badData = await client.request('fs/writeFile', { path: file, dataBase64: 'not base64!' });
    expect(badData.error.message).toBe('dataBase64 is not valid base64');
    expect(client.schemaProblems()).toEqual([]);
  });
});
