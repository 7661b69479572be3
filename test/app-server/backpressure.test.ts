/**
 * A slow client cannot make the server's memory grow without bound: while it does not read, its
 * deltas are merged and then dropped (what it gets of an item's deltas stays a prefix of the
 * item's text; `item/completed` carries all of it), its requests wait, and a client that stops
 * reading altogether is disconnected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/server.js';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { serverEnv, streamClient } from './support/harness.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

const LONG_ANSWER = Array.from({ length: 12_000 }, (_, i) => `w${i}`).join(' ');

async function setup(limits: { outboundSoftBytes: number; outboundHardBytes: number }) {
  emulator = await startEmulator({ script: [respond(say(LONG_ANSWER))] });
  server = new AppServer({ env: serverEnv(emulator), limits });
  const stream = streamClient(server);
  await stream.client.initialize();
  const threadId = (await stream.client.call('thread/start', { cwd: tempDir() })).thread.id as string;
  return { ...stream, threadId };
}

describe('a slow client', () => {
  it('gets merged and dropped deltas, waits for its requests, and then the whole item', async () => {
    const { client, connection, output, threadId } = await setup({
      outboundSoftBytes: 32 * 1024,
      outboundHardBytes: 16 * 1024 * 1024,
    });
    const { turn } = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'talk a lot' }],
    });
    await client.waitFor((m) => m.method === 'turn/started');
    output.pause();

    // The turn goes on without the client: it finishes server-side.
    await expect.poll(() => server!.threads.get(threadId)?.activeTurnId, { timeout: 20_000 }).toBeUndefined();
    const queued = connection.queuedBytes;
    expect(queued).toBeGreaterThan(LONG_ANSWER.length); // the completed item is never dropped…
    expect(queued).toBeLessThan(LONG_ANSWER.length + 200 * 1024); // …but thousands of deltas did not pile up
    expect(connection.droppedDeltas).toBeGreaterThan(0);

    // Above the limit the client's requests are not read.
    const file = path.join(tempDir(), 'later.txt');
    const write = client.request('fs/writeFile', {
      path: file,
      dataBase64: Buffer.from('x').toString('base64'),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fs.existsSync(file)).toBe(false);

    output.resume();
    expect((await write).result).toEqual({});
    expect(fs.existsSync(file)).toBe(true);
    await client.turnCompleted(turn.id);
    const text = client
      .notifications('item/agentMessage/delta', (p) => p.turnId === turn.id)
      .map((p) => p.delta)
      .join('');
    expect(text.length).toBeLessThan(LONG_ANSWER.length);
    expect(LONG_ANSWER.startsWith(text)).toBe(true);
    const [item] = client.notifications('item/completed', (p) => p.item.type === 'agentMessage');
    expect(item.item.text).toBe(LONG_ANSWER);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('is disconnected when it reads nothing while more than the hard limit waits', async () => {
    const { client, connection, output, threadId, done } = await setup({
      outboundSoftBytes: 16 * 1024,
      outboundHardBytes: 64 * 1024,
    });
    await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'talk a lot' }] });
    await client.waitFor((m) => m.method === 'turn/started');
    output.pause();
    await done;
    expect(connection.isOpen).toBe(false);
    // Its thread had no other subscriber: it was closed.
    await expect.poll(() => server!.threads.loadedIds()).toEqual([]);
  });
});
