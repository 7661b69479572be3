/**
 * What a v2 client shows the person when it is asked to approve a command: the real `spool
 * app-server` process over stdio, a command that hides its payload behind `\r` and an escape
 * sequence. The request carries the command with those characters visible, so a client that prints
 * it shows what will run, not the decoy.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { onLines, serverEnv } from './support/harness.js';
import { type Message, ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  stop = undefined;
  await emulator?.close();
  emulator = undefined;
});

describe('approval requests from spool app-server', () => {
  it('show a disguised command with its control characters escaped', async () => {
    emulator = await startEmulator({
      script: [respond(shellCall('PAYLOAD=1 #\r\x1b[K  git status')), respond(say('ok'))],
    });
    const child = spawn(process.execPath, [SPOOL_BIN, 'app-server'], {
      env: serverEnv(emulator),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    stop = () => child.kill('SIGKILL');
    const client = new ProtocolClient((text) => child.stdin.write(`${text}\n`));
    onLines(child.stdout, (line) => client.receive(line));
    const asked: Message[] = [];
    client.onServerRequest = (request) => {
      asked.push(request);
      return { decision: 'decline' };
    };
    await client.initialize();
    const thread = await client.call('thread/start', { cwd: tempDir(), approvalPolicy: 'untrusted' });
    const turn = await client.call('turn/start', {
      threadId: thread.thread.id,
      input: [{ type: 'text', text: 'status' }],
    });
    await client.turnCompleted(turn.turn.id);
    expect(asked).toHaveLength(1);
    const params = asked[0]!.params as { command: string; commandActions: Array<{ command: string }> };
    expect(params.command).toContain('PAYLOAD=1 #\\r\\e[K  git status');
    expect(params.command).not.toMatch(/[\r\x1b]/);
    expect(params.commandActions[0]!.command).toBe(params.command);
    child.stdin.end();
    await exited;
    stop = undefined;
  }, 60_000);
});
