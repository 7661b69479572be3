/**
 * The built `spool exec` in the Responses WebSocket mode (`supports_websockets = true` on the
 * provider): one connection for the session, continuations that carry only the new items, HTTP when
 * the server has no such mode, and a command that ran before the socket dropped never runs again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator, think } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function envFor(e: Emulator): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: tempDir('spool-home-') };
}

const WEBSOCKETS = ['-c', 'model_providers.openai.supports_websockets=true'];
const EXEC = ['exec', '--skip-git-repo-check', '-s', 'danger-full-access'];

function steps(count: number) {
  return [
    ...Array.from({ length: count }, (_, i) => respond(think(`step ${i}`), shellCall(`echo step-${i}`))),
    respond(say('all done')),
  ];
}

// Each test runs the binary (one test twice): generous on a loaded 2-core machine.
describe('spool exec over the Responses WebSocket mode', { timeout: 90_000 }, () => {
  it('keeps one connection and sends each continuation as the new items only', async () => {
    emulator = await startEmulator({ script: steps(3) });
    const run = await runSpool([...EXEC, ...WEBSOCKETS, '-C', tempDir(), 'run the steps'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('all done');
    const requests = emulator.requests;
    expect(requests.map((r) => r.transport)).toEqual(['websocket', 'websocket', 'websocket', 'websocket']);
    expect(requests[0]!.body).not.toHaveProperty('previous_response_id');
    for (const [i, r] of requests.slice(1).entries()) {
      // The command's output is the one new item; the server holds the rest.
      expect(r.body).toMatchObject({ previous_response_id: `resp_000${i + 1}` });
      expect(r.body!.input).toMatchObject([{ type: 'function_call_output' }]);
      expect(JSON.stringify(r.body!.input)).toContain(`step-${i}`);
    }
    expect(new Set(requests.map((r) => r.headers['sec-websocket-key'])).size).toBe(1);
    expect(requests[0]!.headers.authorization).toBe('Bearer test-key');
    expect(emulator.problems).toEqual([]);
  });

  it('sends fewer bytes than HTTP for the same session, and the model sees the same number of items', async () => {
    emulator = await startEmulator({ script: [...steps(3), ...steps(3)] });
    const http = await runSpool([...EXEC, '-C', tempDir(), 'run the steps'], { env: envFor(emulator) });
    expect(http.code, http.stderr).toBe(0);
    const ws = await runSpool([...EXEC, ...WEBSOCKETS, '-C', tempDir(), 'run the steps'], {
      env: envFor(emulator),
    });
    expect(ws.code, ws.stderr).toBe(0);
    const [overHttp, overSocket] = [emulator.requests.slice(0, 4), emulator.requests.slice(4)];
    expect(overHttp.every((r) => r.transport === undefined)).toBe(true);
    expect(overSocket.every((r) => r.transport === 'websocket')).toBe(true);
    const bytes = (rs: typeof overHttp) => rs.reduce((n, r) => n + Buffer.byteLength(r.bodyText), 0);
    expect(bytes(overSocket)).toBeLessThan(bytes(overHttp));
    expect(overSocket.map((r) => (r.effectiveBody!.input as unknown[]).length)).toEqual(
      overHttp.map((r) => (r.body!.input as unknown[]).length),
    );
  });

  it('uses HTTP when the server has no WebSocket mode', async () => {
    emulator = await startEmulator({ websockets: false, script: steps(2) });
    const run = await runSpool([...EXEC, ...WEBSOCKETS, '-C', tempDir(), 'run the steps'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(emulator.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(emulator.requests[2]!.body!.input as unknown[]).toHaveLength(
      // Two steps of reasoning, call and output each.
      (emulator.requests[0]!.body!.input as unknown[]).length + 6,
    );
    expect(emulator.problems).toEqual([]);
  });

  it('falls back to HTTP with the whole history when the server lost the previous response', async () => {
    const workdir = tempDir();
    let forgot = false;
    emulator = await startEmulator({
      script: [
        respond(shellCall('echo one >> runs.txt')),
        respond(shellCall('echo two >> runs.txt')),
        respond(say('finished')),
      ],
      // After the first answer the server loses what it kept (as after a restart behind the socket).
      onResponseEnd: () => {
        if (!forgot) emulator?.forgetResponses();
        forgot = true;
      },
    });
    const run = await runSpool([...EXEC, ...WEBSOCKETS, '-C', workdir, 'append lines'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workdir, 'runs.txt'), 'utf8')).toBe('one\ntwo\n');
    const requests = emulator.requests;
    expect(requests.map((r) => [r.method, r.outcome])).toEqual([
      ['WS', 'response'],
      ['WS', 'rejected'],
      ['POST', 'response'],
      ['WS', 'response'],
    ]);
    expect(requests[1]!.body).toMatchObject({ previous_response_id: 'resp_0001' });
    // The fallback carries everything: the first prompt, the call and its output.
    const fallback = requests[2]!.body!.input as Array<{ type: string }>;
    expect(fallback.length).toBe((requests[0]!.body!.input as unknown[]).length + 2);
    // A new connection afterwards: it starts whole again.
    expect(requests[3]!.body).not.toHaveProperty('previous_response_id');
    expect(emulator.problems).toEqual([
      "request #1 (websocket) rejected: Previous response with id 'resp_0001' not found.",
    ]);
  });

  it('runs a command once when the socket drops after its call arrived', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({
      script: [
        // Events 0–5: created, in_progress, the call's added, its one delta, arguments done, item done.
        respond(
          {
            type: 'function_call',
            name: 'shell',
            arguments: { command: ['bash', '-c', 'echo ran >> runs.txt'] },
            delta_size: 4096,
          },
          { fault: { kind: 'close', afterEvents: 6 } },
        ),
        respond(say('finished')),
      ],
    });
    const run = await runSpool([...EXEC, ...WEBSOCKETS, '-C', workdir, 'append a line'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workdir, 'runs.txt'), 'utf8')).toBe('ran\n');
    const [dropped, retry] = emulator.requests;
    expect(dropped).toMatchObject({ transport: 'websocket' });
    // The retry is the plain HTTP request with the whole history: the call and its output.
    expect(retry).toMatchObject({ method: 'POST', outcome: 'response' });
    expect((retry!.body!.input as Array<{ type: string }>).slice(-2).map((i) => i.type)).toEqual([
      'function_call',
      'function_call_output',
    ]);
    expect(emulator.problems).toEqual([]);
  });
});
