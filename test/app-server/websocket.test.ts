/**
 * The app-server over WebSocket: bearer-token handshake, health probes, message size, two
 * threads running at once, isolation between connections, and the thread lifecycle (list, read,
 * resume, fork, archive, compaction). Every message the server sends is checked against Codex's
 * v2 JSON Schema.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runAppServer } from '../../src/app-server/run.js';
import { AppServer } from '../../src/app-server/server.js';
import { listenWebSocket, type WebSocketListener } from '../../src/app-server/ws-transport.js';
import { type Emulator, type RecordedRequest, respond, say, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { connectWs, serverEnv, spawnServer, type WsClient } from './support/harness.js';
import type { ProtocolClient } from './support/protocol-client.js';

const TOKEN = 'secret-token-for-tests';

let emulator: Emulator | undefined;
let listener: WebSocketListener | undefined;
let server: AppServer | undefined;
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.terminate();
  await listener?.close();
  await server?.close();
  await emulator?.close();
  listener = undefined;
  server = undefined;
  emulator = undefined;
});

async function serve(script: Parameters<typeof startEmulator>[0] = {}, limits = {}) {
  emulator = await startEmulator(script);
  server = new AppServer({ env: serverEnv(emulator), limits });
  listener = await listenWebSocket(server, { host: '127.0.0.1', port: 0, token: TOKEN });
  return listener;
}

async function connect(): Promise<ProtocolClient> {
  const ws = await connectWs(listener!.url, TOKEN);
  clients.push(ws);
  await ws.client.initialize();
  return ws.client;
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

/** The text of the last user message of a Responses request. */
function lastPrompt(request: RecordedRequest): string {
  const input = (request.body?.input ?? []) as Array<{ role?: string; content?: Array<{ text?: string }> }>;
  const users = input.filter((item) => item.role === 'user');
  return (
    users
      .at(-1)
      ?.content?.map((part) => part.text ?? '')
      .join('') ?? ''
  );
}

describe('spool app-server on WebSocket', () => {
  it('requires the bearer token, refuses browsers, and answers /readyz', async () => {
    await serve();
    const base = listener!.url.replace('ws://', 'http://');
    expect(await httpGet(`${base}/readyz`)).toBe(200);
    expect(await httpGet(`${base}/healthz`)).toBe(200);
    expect(await httpGet(`${base}/readyz`, { Origin: 'http://evil.example' })).toBe(403);
    await expect(connectWs(listener!.url, undefined)).rejects.toThrow('HTTP 401');
    await expect(connectWs(listener!.url, 'wrong')).rejects.toThrow('HTTP 401');
    const client = await connect();
    expect(await client.call('thread/loaded/list', {})).toEqual({ data: [], nextCursor: null });
    expect(client.schemaProblems()).toEqual([]);
  });

  it('answers an oversized message with an error, and closes on a far larger one', async () => {
    await serve({}, { maxMessageBytes: 2048 });
    const ws = await connectWs(listener!.url, TOKEN);
    clients.push(ws);
    await ws.client.initialize();
    ws.client.sendRaw(
      JSON.stringify({ id: 'big', method: 'thread/list', params: { searchTerm: 'x'.repeat(3000) } }),
    );
    const error = await ws.client.waitFor((m) => m.error !== undefined);
    expect(error).toMatchObject({ id: null, error: { code: -32600 } });
    expect(error.error.message).toMatch(/exceeds the limit of 2048 bytes/);
    expect(await ws.client.call('thread/loaded/list', {})).toEqual({ data: [], nextCursor: null });
    ws.socket.send('y'.repeat(10_000));
    expect((await ws.closed).code).toBe(1009);
    expect(ws.client.schemaProblems()).toEqual([]);
  });

  it('runs two threads at once; each connection sees only its threads', async () => {
    await serve({
      script: (request) => {
        const prompt = lastPrompt(request);
        return respond(say(`Answer to ${prompt}, streamed slowly over several pieces.`), {
          eventDelayMs: 15,
        });
      },
    });
    const first = await connect();
    const second = await connect();
    const a = (await first.call('thread/start', { cwd: tempDir(), approvalPolicy: 'never' })).thread.id;
    const b = (await first.call('thread/start', { cwd: tempDir(), approvalPolicy: 'never' })).thread.id;
    const c = (
      await second.call('thread/start', { cwd: tempDir(), approvalPolicy: 'never', ephemeral: true })
    ).thread.id;

    const turns = await Promise.all([
      first.call('turn/start', { threadId: a, input: [{ type: 'text', text: 'alpha' }] }),
      first.call('turn/start', { threadId: b, input: [{ type: 'text', text: 'beta' }] }),
      second.call('turn/start', { threadId: c, input: [{ type: 'text', text: 'gamma' }] }),
    ]);
    const [ta, tb, tc] = turns.map((t) => t.turn.id as string);
    await Promise.all([first.turnCompleted(ta!), first.turnCompleted(tb!), second.turnCompleted(tc!)]);

    // The turns overlapped: each started before any of them completed.
    const position = (client: ProtocolClient, method: string, turnId: string) =>
      client.messages.findIndex((m) => m.method === method && m.params.turn.id === turnId);
    expect(position(first, 'turn/started', tb!)).toBeLessThan(position(first, 'turn/completed', ta!));
    expect(position(first, 'turn/started', ta!)).toBeLessThan(position(first, 'turn/completed', tb!));

    const text = (client: ProtocolClient, threadId: string) =>
      client
        .notifications('item/agentMessage/delta', (p) => p.threadId === threadId)
        .map((p) => p.delta)
        .join('');
    expect(text(first, a)).toBe('Answer to alpha, streamed slowly over several pieces.');
    expect(text(first, b)).toBe('Answer to beta, streamed slowly over several pieces.');
    expect(text(second, c)).toBe('Answer to gamma, streamed slowly over several pieces.');
    const threadsSeen = (client: ProtocolClient) =>
      new Set(client.messages.flatMap((m) => (m.params?.threadId ? [m.params.threadId] : [])));
    expect(threadsSeen(first)).toEqual(new Set([a, b]));
    expect(threadsSeen(second)).toEqual(new Set([c]));

    // A finished turn cannot be interrupted.
    const late = await first.request('turn/interrupt', { threadId: a, turnId: ta });
    expect(late.error.message).toBe(`turn ${ta} is not running on thread ${a} (no turn is running)`);
    expect(first.schemaProblems()).toEqual([]);
    expect(second.schemaProblems()).toEqual([]);
  });

  it('lists, reads, resumes, forks, compacts and archives recorded threads', async () => {
    await serve({
      script: [respond(say('First answer.')), respond(say('Second answer.')), respond(say('Fork answer.'))],
    });
    const cwd = tempDir();
    const first = await connect();
    const threadId = (await first.call('thread/start', { cwd, approvalPolicy: 'never' })).thread.id;
    const { turn } = await first.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'remember me' }],
    });
    await first.turnCompleted(turn.id);

    // The first client leaves: the thread is closed (its log and lock released).
    clients[0]!.socket.close();
    await clients[0]!.closed;
    const second = await connect();
    await expect.poll(async () => (await second.call('thread/loaded/list', {})).data).toEqual([]);

    const listed = await second.call('thread/list', { cwd });
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({
      id: threadId,
      preview: 'remember me',
      status: { type: 'notLoaded' },
      cwd,
    });
    expect(listed.nextCursor).toBeNull();
    const read = await second.call('thread/read', { threadId, includeTurns: true });
    expect(read.thread.turns.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      [turn.id, 'completed'],
    ]);

    const resumed = await second.call('thread/resume', { threadId });
    expect(resumed.thread.turns).toHaveLength(1);
    expect(resumed.thread.status).toEqual({ type: 'idle' });
    const again = await second.call('turn/start', { threadId, input: [{ type: 'text', text: 'and again' }] });
    await second.turnCompleted(again.turn.id);
    // The resumed thread sent its whole history to the model.
    expect(JSON.stringify(emulator!.requests[1]!.body?.input)).toContain('remember me');

    const compacting = await second.call('thread/compact/start', { threadId });
    expect(compacting).toEqual({});
    const compacted = await second.waitFor(
      (m) => m.method === 'thread/compacted' && m.params.threadId === threadId,
    );
    const compactTurn = compacted.params.turnId;
    await second.turnCompleted(compactTurn);
    expect(
      second.notifications('item/completed', (p) => p.turnId === compactTurn).map((p) => p.item.type),
    ).toEqual(['contextCompaction']);

    const forked = await second.call('thread/fork', { threadId, lastTurnId: turn.id });
    const forkId = forked.thread.id;
    expect(forkId).not.toBe(threadId);
    expect(forked.thread).toMatchObject({ forkedFromId: threadId, ephemeral: false });
    expect(forked.thread.turns.map((t: { id: string }) => t.id)).toEqual([turn.id]);
    await second.waitFor((m) => m.method === 'thread/started' && m.params.thread.id === forkId);
    const forkTurn = await second.call('turn/start', {
      threadId: forkId,
      input: [{ type: 'text', text: 'forked' }],
    });
    await second.turnCompleted(forkTurn.turn.id);
    const forkInput = JSON.stringify(emulator!.requests.at(-1)!.body?.input);
    expect(forkInput).toContain('remember me');
    expect(forkInput).not.toContain('and again');

    expect(await second.call('thread/archive', { threadId: forkId })).toEqual({});
    await second.waitFor((m) => m.method === 'thread/archived' && m.params.threadId === forkId);
    expect((await second.call('thread/list', {})).data.map((t: { id: string }) => t.id)).toEqual([threadId]);
    expect(
      (await second.call('thread/list', { archived: true })).data.map((t: { id: string }) => t.id),
    ).toEqual([forkId]);
    const gone = await second.request('thread/resume', { threadId: forkId });
    expect(gone.error.message).toBe(`thread ${forkId} is archived`);
    const unknown = await second.request('thread/resume', { threadId: 'no-such-thread' });
    expect(unknown.error.message).toBe('no recorded thread has the id no-such-thread');
    expect(second.schemaProblems()).toEqual([]);
  });

  it('runs as a process listening on ws:// with a token file, until SIGTERM', async () => {
    emulator = await startEmulator({});
    const env = serverEnv(emulator);
    // In Spool's home, which no sandbox can read.
    const tokenFile = path.join(env.SPOOL_HOME!, 'app-server.token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`);
    const child = spawnServer(env, ['--listen', 'ws://127.0.0.1:0', '--ws-token-file', tokenFile]);
    await expect
      .poll(() => /listening on (ws:\S+)/.exec(child.stderr())?.[1], { timeout: 20_000 })
      .toBeTruthy();
    const url = /listening on (ws:\S+)/.exec(child.stderr())![1]!;
    expect(await httpGet(`${url.replace('ws://', 'http://')}/readyz`)).toBe(200);
    const ws = await connectWs(url, TOKEN);
    clients.push(ws);
    await ws.client.initialize();
    expect(await ws.client.call('thread/loaded/list', {})).toEqual({ data: [], nextCursor: null });
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(ws.client.schemaProblems()).toEqual([]);
  });

  it('refuses to listen on ws:// without a token, or on an address it cannot parse', async () => {
    let said = '';
    const stderr = new Writable({
      write(chunk, _encoding, done) {
        said += chunk;
        done();
      },
    });
    expect(await runAppServer({ listen: 'ws://127.0.0.1:0', env: {}, stderr })).toBe(2);
    expect(said).toContain(
      'a WebSocket listener requires a bearer token: give --ws-token-file FILE or set SPOOL_APP_SERVER_TOKEN',
    );
    expect(await runAppServer({ listen: 'tcp://somewhere', env: {}, stderr })).toBe(2);
    expect(said).toContain('--listen takes stdio:// or ws://HOST:PORT, not "tcp://somewhere"');
  });

  it('keeps its token out of sandboxes, and holds network clients to its own sandbox and roots', async () => {
    emulator = await startEmulator({});
    const env = serverEnv(emulator, { SPOOL_APP_SERVER_TOKEN: TOKEN });
    const home = env.SPOOL_HOME!;
    fs.writeFileSync(path.join(home, 'config.toml'), 'model = "gpt-test"\n');

    // A token file where a sandboxed command could read it is refused.
    const outside = path.join(tempDir(), 'token');
    fs.writeFileSync(outside, `${TOKEN}\n`);
    const refused = spawnServer(env, ['--listen', 'ws://127.0.0.1:0', '--ws-token-file', outside]);
    try {
      const code = await Promise.race([
        refused.exited,
        new Promise<string>((resolve) => setTimeout(() => resolve('still listening'), 30_000)),
      ]);
      expect(code, refused.stderr()).toBe(2);
      expect(refused.stderr()).toContain("must be inside Spool's home");
    } finally {
      // A server that wrongly started must not outlive the test.
      refused.child.kill('SIGKILL');
    }

    const work = tempDir();
    // Outside every writable root (not under /tmp, which workspace-write may write).
    const elsewhere = fs.mkdtempSync(path.join(os.homedir(), '.spool-elsewhere-'));
    const child = spawnServer(env, ['--listen', 'ws://127.0.0.1:0', '-s', 'workspace-write', '-C', work]);
    try {
      await expect
        .poll(() => /listening on (ws:\S+)/.exec(child.stderr())?.[1], { timeout: 20_000 })
        .toBeTruthy();
      const url = /listening on (ws:\S+)/.exec(child.stderr())![1]!;
      const ws = await connectWs(url, TOKEN);
      clients.push(ws);
      const client = ws.client;
      await client.initialize();
      const failure = async (method: string, params: unknown) => (await client.request(method, params)).error;

      // The token variable is not in what commands get.
      const printed = await client.call('command/exec', { command: ['env'], cwd: work });
      expect(printed.stdout).not.toContain(TOKEN);
      // No wider sandbox than the server's, and no other writable roots.
      expect(
        await failure('command/exec', {
          command: ['touch', path.join(elsewhere, 'x')],
          sandboxPolicy: { type: 'dangerFullAccess' },
        }),
      ).toMatchObject({
        message: expect.stringContaining('sandbox danger-full-access is wider than workspace-write'),
      });
      expect(
        await failure('command/exec', {
          command: ['touch', path.join(elsewhere, 'x')],
          sandboxPolicy: { type: 'workspaceWrite', writableRoots: [elsewhere] },
        }),
      ).toMatchObject({ message: expect.stringContaining('not among the server') });
      // A command run from another directory cannot write there: the roots are the server's.
      const moved = await client.call('command/exec', {
        command: ['sh', '-c', 'touch here.txt'],
        cwd: elsewhere,
      });
      expect(moved.exitCode).not.toBe(0);
      expect(fs.existsSync(path.join(elsewhere, 'here.txt'))).toBe(false);
      // fs/*: nothing of Spool's home is readable, writes stay inside the roots.
      for (const file of [path.join(home, 'config.toml'), path.join(home, 'app-server.token')])
        expect(await failure('fs/readFile', { path: file })).toMatchObject({
          message: expect.stringContaining("inside Spool's home"),
        });
      expect(await failure('fs/readDirectory', { path: home })).toBeDefined();
      expect(
        await failure('fs/writeFile', { path: path.join(elsewhere, 'y'), dataBase64: 'aGk=' }),
      ).toMatchObject({ message: expect.stringContaining('outside the writable roots') });
      expect(
        await failure('fs/writeFile', { path: path.join(work, '.git', 'config'), dataBase64: 'aGk=' }),
      ).toBeDefined();
      expect(fs.existsSync(path.join(elsewhere, 'y'))).toBe(false);
      expect(
        await client.call('fs/writeFile', { path: path.join(work, 'ok.txt'), dataBase64: 'aGk=' }),
      ).toEqual({});
      expect(fs.readFileSync(path.join(work, 'ok.txt'), 'utf8')).toBe('hi');
      expect(client.schemaProblems()).toEqual([]);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 90_000);
});
