/**
 * The methods around threads: command/exec, model/list, config/read, turn/steer and turn/start
 * guards, failed turns, ephemeral threads. Over the stdio transport on a stream pair; every
 * message is checked against Codex's v2 JSON Schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/server.js';
import {
  type Emulator,
  respond,
  say,
  serverError500,
  startEmulator,
  unauthorized401,
} from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { serverEnv, streamClient } from './support/harness.js';
import type { ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

async function setup(
  options: Parameters<typeof startEmulator>[0] = {},
  env: NodeJS.ProcessEnv = {},
): Promise<ProtocolClient> {
  emulator = await startEmulator(options);
  server = new AppServer({ env: serverEnv(emulator, env) });
  const { client } = streamClient(server);
  await client.initialize();
  return client;
}

const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

describe('command/exec', () => {
  it('runs a command and buffers stdout and stderr apart', async () => {
    const client = await setup();
    const cwd = tempDir();
    const result = await client.call('command/exec', {
      command: ['bash', '-c', 'echo out; echo err >&2; echo "$GREETING"; exit 3'],
      cwd,
      env: { GREETING: 'hi there', HOME: null },
      sandboxPolicy: { type: 'dangerFullAccess' },
    });
    expect(result).toEqual({ exitCode: 3, stdout: 'out\nhi there\n', stderr: 'err\n' });
    expect(client.schemaProblems()).toEqual([]);
  });

  it('runs under the configured sandbox by default (read-only: writes fail)', async () => {
    const client = await setup();
    const cwd = tempDir();
    const result = await client.call('command/exec', { command: ['touch', 'made.txt'], cwd });
    expect(result.exitCode).not.toBe(0);
    expect(fs.existsSync(path.join(cwd, 'made.txt'))).toBe(false);
    const allowed = await client.call('command/exec', {
      command: ['touch', 'made.txt'],
      cwd,
      sandboxPolicy: { type: 'workspaceWrite' },
    });
    expect(allowed.exitCode).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'made.txt'))).toBe(true);
  });

  it('streams output with a processId, caps it, times out, and terminates on request', async () => {
    const client = await setup();
    const full = { sandboxPolicy: { type: 'dangerFullAccess' } };
    const streamed = await client.call('command/exec', {
      command: ['bash', '-c', 'printf 0123456789; printf ABCDEFGHIJ >&2'],
      processId: 'p-stream',
      streamStdoutStderr: true,
      outputBytesCap: 6,
      ...full,
    });
    expect(streamed).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const deltas = client.notifications('command/exec/outputDelta', (p) => p.processId === 'p-stream');
    const text = (stream: string) =>
      deltas
        .filter((d) => d.stream === stream)
        .map((d) => decode(d.deltaBase64))
        .join('');
    expect(text('stdout')).toBe('012345');
    expect(text('stderr')).toBe('ABCDEF');
    expect(
      deltas
        .filter((d) => d.capReached)
        .map((d) => d.stream)
        .sort(),
    ).toEqual(['stderr', 'stdout']);

    const timedOut = await client.call('command/exec', { command: ['sleep', '20'], timeoutMs: 200, ...full });
    expect(timedOut.exitCode).toBe(124);

    const began = Date.now();
    const running = client.request('command/exec', {
      command: ['sleep', '30'],
      processId: 'p-long',
      ...full,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const dup = await client.request('command/exec', { command: ['true'], processId: 'p-long', ...full });
    expect(dup.error.message).toBe('a command with processId p-long is already running');
    expect(await client.call('command/exec/terminate', { processId: 'p-long' })).toEqual({});
    expect((await running).result.exitCode).toBeGreaterThan(128);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('refuses what it does not support, with clear errors', async () => {
    const client = await setup();
    const message = async (params: unknown, method = 'command/exec') =>
      (await client.request(method, params)).error.message;
    expect(await message({ command: [] })).toBe('command must not be empty');
    expect(await message({ command: ['bash'], tty: true })).toMatch(/tty and streamStdin are not supported/);
    expect(await message({ command: ['ls'], streamStdoutStderr: true })).toBe(
      'streamStdoutStderr needs a processId',
    );
    expect(await message({ command: ['ls'], cwd: '/no/such/dir' })).toBe(
      'working directory /no/such/dir does not exist',
    );
    expect(
      await message({ command: ['no-such-program-here'], sandboxPolicy: { type: 'dangerFullAccess' } }),
    ).toMatch(/command not found/);
    expect(await message({ processId: 'nope' }, 'command/exec/terminate')).toBe(
      'no running command/exec has processId nope',
    );
    expect(await message({ processId: 'nope' }, 'command/exec/write')).toMatch(/not supported/);
    expect(client.schemaProblems()).toEqual([]);
  });
});

describe('model/list and config/read', () => {
  it('lists the provider models with the configured one first', async () => {
    const client = await setup({ models: ['gpt-5-codex', 'gpt-4.1', 'other-model'] });
    const listed = await client.call('model/list', {});
    expect(listed.data.map((m: { id: string }) => m.id)).toEqual(['gpt-5-codex', 'gpt-4.1', 'other-model']);
    expect(listed.data[0]).toMatchObject({ isDefault: true, supportedReasoningEfforts: expect.any(Array) });
    expect(listed.data[0].supportedReasoningEfforts.length).toBeGreaterThan(0);
    expect(listed.data[1]).toMatchObject({ isDefault: false, supportedReasoningEfforts: [] });
    const page = await client.call('model/list', { limit: 2 });
    expect(page.nextCursor).toBe('2');
    const rest = await client.call('model/list', { limit: 2, cursor: page.nextCursor });
    expect(rest).toMatchObject({ data: [{ id: 'other-model' }], nextCursor: null });
    expect(client.schemaProblems()).toEqual([]);
  });

  it('reads the effective configuration and where each value came from', async () => {
    const home = tempDir('spool-home-');
    fs.writeFileSync(path.join(home, 'config.toml'), 'model = "gpt-4.1"\napproval_policy = "on-failure"\n');
    const client = await setup({}, { SPOOL_HOME: home });
    const read = await client.call('config/read', { includeLayers: true });
    expect(read.config).toMatchObject({
      model: 'gpt-4.1',
      approval_policy: 'on-request',
      sandbox_mode: 'read-only',
    });
    expect(read.origins.model).toMatchObject({
      name: { type: 'user', file: path.join(home, 'config.toml') },
    });
    expect(read.origins.sandbox_mode).toBeUndefined();
    expect(read.layers).toEqual([
      expect.objectContaining({ config: { model: 'gpt-4.1', approval_policy: 'on-failure' } }),
    ]);
    fs.writeFileSync(path.join(home, 'config.toml'), 'model = [broken\n');
    const broken = await client.request('config/read', {});
    expect(broken.error).toMatchObject({ code: -32602, message: expect.stringContaining('config.toml') });
    expect(client.schemaProblems()).toEqual([]);
  });
});

describe('turns', () => {
  it('takes turn/steer input into the running turn, and refuses a second turn/start while one runs', async () => {
    const client = await setup({
      script: [
        respond(say('A slow answer in many small pieces.'), { eventDelayMs: 40 }),
        respond(say('Noted the extra input.')),
      ],
    });
    const threadId = (await client.call('thread/start', { cwd: tempDir() })).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'one' }] });
    const second = await client.request('turn/start', { threadId, input: [{ type: 'text', text: 'two' }] });
    expect(second.error.message).toBe(
      `a turn is already running on thread ${threadId} (turn ${turn.id}); interrupt it or wait for turn/completed`,
    );
    const mismatch = await client.request('turn/steer', {
      threadId,
      expectedTurnId: 'other',
      input: [{ type: 'text', text: 'x' }],
    });
    expect(mismatch.error.message).toBe(`expectedTurnId other is not the running turn (${turn.id})`);
    const steer = await client.call('turn/steer', {
      threadId,
      expectedTurnId: turn.id,
      input: [{ type: 'text', text: 'also mention x' }],
    });
    expect(steer).toEqual({ turnId: turn.id });
    expect((await client.turnCompleted(turn.id)).params.turn.status).toBe('completed');
    // The model answered once, saw the steered input, and answered again within the same turn.
    const steered = client
      .notifications('item/completed', (p) => p.turnId === turn.id)
      .map((n) => n.item)
      .filter((item) => item.type === 'userMessage');
    expect(steered.map((item) => item.content[0].text)).toEqual(['one', 'also mention x']);
    const agent = client
      .notifications('item/completed', (p) => p.turnId === turn.id)
      .map((n) => n.item)
      .filter((item) => item.type === 'agentMessage');
    expect(agent.at(-1).text).toBe('Noted the extra input.');
    const idle = await client.request('turn/steer', {
      threadId,
      expectedTurnId: turn.id,
      input: [{ type: 'text', text: 'x' }],
    });
    expect(idle.error.message).toBe(`no turn is running on thread ${threadId}; use turn/start`);
    const unsupported = await client.request('turn/start', {
      threadId,
      input: [{ type: 'mention', name: 's', path: '/s' }],
    });
    expect(unsupported.error.message).toMatch(/items of type mention are not supported/);
    // A skill item is no message of its own: it comes with text (docs/skills.md).
    const skillOnly = await client.request('turn/start', {
      threadId,
      input: [{ type: 'skill', name: 's', path: '/s' }],
    });
    expect(skillOnly.error.message).toBe('input: give at least one text or image item');
    expect(client.schemaProblems()).toEqual([]);
  });

  it('reports a failed turn as error, then turn/completed with status failed', async () => {
    const client = await setup({ script: [unauthorized401()] });
    const threadId = (await client.call('thread/start', { cwd: tempDir() })).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'hi' }] });
    const completed = (await client.turnCompleted(turn.id)).params.turn;
    expect(completed.status).toBe('failed');
    expect(completed.error).toMatchObject({
      codexErrorInfo: 'unauthorized',
      message: expect.stringContaining('API key'),
    });
    const [error] = client.notifications('error', (p) => p.turnId === turn.id);
    expect(error).toMatchObject({ willRetry: false, error: { codexErrorInfo: 'unauthorized' } });
    expect(client.schemaProblems()).toEqual([]);
  });

  it('reports retries as errors that will be retried', async () => {
    const client = await setup({ script: [serverError500(), respond(say('Recovered.'))] });
    const threadId = (await client.call('thread/start', { cwd: tempDir() })).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'hi' }] });
    expect((await client.turnCompleted(turn.id)).params.turn.status).toBe('completed');
    expect(client.notifications('error', (p) => p.turnId === turn.id).map((p) => p.willRetry)).toEqual([
      true,
    ]);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('labels agent messages with their phase, live and in thread/read', async () => {
    const client = await setup({
      script: [respond(say('Checking.', 'commentary'), say('It is fine.', 'final_answer'))],
    });
    const threadId = (await client.call('thread/start', { cwd: tempDir() })).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'ok?' }] });
    await client.turnCompleted(turn.id);
    const live = client
      .notifications('item/completed', (p) => p.turnId === turn.id)
      .map((p) => p.item)
      .filter((item) => item.type === 'agentMessage');
    expect(live.map((item) => [item.text, item.phase])).toEqual([
      ['Checking.', 'commentary'],
      ['It is fine.', 'final_answer'],
    ]);
    const read = await client.call('thread/read', { threadId, includeTurns: true });
    const recorded = read.thread.turns[0].items.filter(
      (item: { type: string }) => item.type === 'agentMessage',
    );
    expect(recorded.map((item: { phase: string }) => item.phase)).toEqual(['commentary', 'final_answer']);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('keeps an ephemeral thread in memory only', async () => {
    const client = await setup({ script: [respond(say('Nothing recorded.'))] });
    const started = await client.call('thread/start', { cwd: tempDir(), ephemeral: true, model: 'gpt-4.1' });
    expect(started.thread).toMatchObject({ ephemeral: true, path: null, model: 'gpt-4.1' });
    const threadId = started.thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'hello' }] });
    await client.turnCompleted(turn.id);
    const read = await client.call('thread/read', { threadId, includeTurns: true });
    expect(read.thread.turns).toMatchObject([
      {
        id: turn.id,
        status: 'completed',
        items: [{ type: 'userMessage' }, { type: 'agentMessage', text: 'Nothing recorded.' }],
      },
    ]);
    expect((await client.call('thread/list', {})).data).toEqual([]);
    const fork = await client.request('thread/fork', { threadId });
    expect(fork.error.message).toMatch(/ephemeral/);
    expect(await client.call('thread/archive', { threadId })).toEqual({});
    expect((await client.call('thread/loaded/list', {})).data).toEqual([]);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('honours notification opt-outs and thread settings from the config map', async () => {
    emulator = await startEmulator({ script: [respond(say('Quiet answer in a few pieces of text.'))] });
    server = new AppServer({ env: serverEnv(emulator) });
    const { client } = streamClient(server);
    await client.call('initialize', {
      clientInfo: { name: 'quiet', version: '1' },
      capabilities: {
        optOutNotificationMethods: ['item/agentMessage/delta', 'thread/status/changed', 'no/such'],
      },
    });
    const started = await client.call('thread/start', {
      cwd: tempDir(),
      config: {
        model_reasoning_effort: 'high',
        'sandbox_workspace_write.network_access': true,
        sandbox_mode: 'workspace-write',
      },
    });
    expect(started).toMatchObject({
      reasoningEffort: 'high',
      sandbox: { type: 'workspaceWrite', networkAccess: true },
    });
    const { turn } = await client.call('turn/start', {
      threadId: started.thread.id,
      input: [{ type: 'text', text: 'hi' }],
    });
    await client.turnCompleted(turn.id);
    expect(client.notifications('item/agentMessage/delta')).toEqual([]);
    expect(client.notifications('thread/status/changed')).toEqual([]);
    expect(client.notifications('item/completed', (p) => p.item.type === 'agentMessage')).toHaveLength(1);
    expect(JSON.stringify(emulator.requests[0]!.body?.reasoning)).toContain('high');
    const bad = await client.request('thread/start', { config: { model_context_window: 'many' } });
    expect(bad.error).toMatchObject({
      code: -32602,
      message: expect.stringContaining('model_context_window'),
    });
    expect(client.schemaProblems()).toEqual([]);
  });
});
