/**
 * The in-process client (what the terminal UI is built on): the same messages as over a wire,
 * parsed from the same JSON, including approvals answered by a handler.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createInProcessConnection,
  JsonRpcError,
  type ServerNotification,
} from '../../src/app-server/in-process.js';
import { AppServer } from '../../src/app-server/server.js';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { serverEnv } from './support/harness.js';
import { codexSchema } from './support/schema.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

describe('createInProcessConnection', () => {
  it('drives a thread with the protocol messages, approvals included', async () => {
    emulator = await startEmulator({
      script: [respond(shellCall('echo inside > proof.txt && echo written')), respond(say('Written.'))],
    });
    server = new AppServer({ env: serverEnv(emulator) });
    const client = createInProcessConnection(server, { keepMessages: true });
    const methods: string[] = [];
    const request = <T>(method: string, params?: unknown) => {
      methods.push(method);
      return client.request<T>(method, params);
    };
    const notifications: ServerNotification[] = [];
    client.onNotification((n) => notifications.push(n));
    const asked: unknown[] = [];
    client.onServerRequest((r) => {
      asked.push(r.params);
      return { decision: 'accept' };
    });

    await expect(request('thread/start', {})).rejects.toMatchObject({
      code: -32600,
      message: 'Not initialized',
    });
    await request('initialize', { clientInfo: { name: 'tui', version: '0' } });
    const cwd = tempDir();
    const started = await request<{ thread: { id: string } }>('thread/start', {
      cwd,
      approvalPolicy: 'untrusted',
      sandbox: 'workspace-write',
    });
    const { turn } = await request<{ turn: { id: string } }>('turn/start', {
      threadId: started.thread.id,
      input: [{ type: 'text', text: 'prove it' }],
    });
    await new Promise<void>((resolve) =>
      client.onNotification((n) => {
        if (n.method === 'turn/completed') resolve();
      }),
    );
    expect(fs.readFileSync(path.join(cwd, 'proof.txt'), 'utf8')).toBe('inside\n');
    expect(asked).toEqual([
      expect.objectContaining({
        command: "bash -c 'echo inside > proof.txt && echo written'",
        turnId: turn.id,
      }),
    ]);
    expect(notifications.map((n) => n.method)).toContain('item/commandExecution/outputDelta');
    expect(notifications.find((n) => n.method === 'turn/completed')).toMatchObject({
      params: { turn: { id: turn.id, status: 'completed' } },
    });

    const error = await request('thread/read', { threadId: 'nope' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ code: -32600, message: 'no thread has the id nope' });

    // Every message is one a wire client would get. Request ids are c0, c1, … in request order.
    const schema = codexSchema();
    const problems = client.received.flatMap((message) =>
      schema.checkServerMessage(message, (id) => methods[Number(String(id).slice(1))]),
    );
    expect(problems).toEqual([]);

    client.close();
    await expect.poll(() => server!.threads.loadedIds()).toEqual([]);
  });
});
