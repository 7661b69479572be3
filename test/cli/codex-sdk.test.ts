import fs from 'node:fs';
import path from 'node:path';
import { Codex } from '@openai/codex-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator, think } from '../emulator/index.js';
import { SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** The official Codex SDK, pointed at the Spool binary instead of Codex's. */
function codexOn(e: Emulator, home: string): Codex {
  return new Codex({
    codexPathOverride: SPOOL_BIN,
    baseUrl: e.url,
    apiKey: 'sdk-test-key',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SPOOL_HOME: home },
  });
}

describe('@openai/codex-sdk drives Spool unchanged', () => {
  it('runs a thread, returns items and the final response, and resumes it', async () => {
    const workdir = tempDir();
    const home = tempDir('spool-home-');
    emulator = await startEmulator({
      script: [
        respond(think('**Plan** run a command'), shellCall('echo hi-from-tool > out.txt && cat out.txt')),
        respond(say('All done.')),
        respond(say('Resumed and still here.')),
      ],
    });
    const codex = codexOn(emulator, home);
    const thread = codex.startThread({
      workingDirectory: workdir,
      skipGitRepoCheck: true,
      sandboxMode: 'workspace-write',
    });
    const turn = await thread.run('Write a file.');

    expect(turn.finalResponse).toBe('All done.');
    expect(thread.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(turn.items.map((i) => i.type)).toEqual(['reasoning', 'command_execution', 'agent_message']);
    // (A login shell's profile may print its own lines too, so look for the command's output.)
    expect(turn.items[1]).toMatchObject({ exit_code: 0, status: 'completed' });
    expect((turn.items[1] as { aggregated_output: string }).aggregated_output).toContain('hi-from-tool\n');
    expect(turn.usage).toMatchObject({
      input_tokens: expect.any(Number),
      cached_input_tokens: expect.any(Number),
    });
    expect(fs.readFileSync(path.join(workdir, 'out.txt'), 'utf8')).toBe('hi-from-tool\n');
    // The SDK's key and base URL reached the model.
    expect(emulator.requests[0]!.headers.authorization).toBe('Bearer sdk-test-key');

    const resumed = codex.resumeThread(thread.id!, { workingDirectory: workdir, skipGitRepoCheck: true });
    const again = await resumed.run('Are you still there?');
    expect(again.finalResponse).toBe('Resumed and still here.');
    // Same thread: the resumed request extends the first session's history and keeps its cache key.
    const [first, , third] = emulator.requests;
    expect(third!.body!.prompt_cache_key).toBe(thread.id);
    const before = JSON.stringify(first!.body!.input).slice(0, -1);
    expect(JSON.stringify(third!.body!.input).startsWith(before)).toBe(true);
  });

  it('passes a structured-output schema through as a strict JSON Schema format', async () => {
    emulator = await startEmulator({ script: [respond(say('{"answer":42}'))] });
    const codex = codexOn(emulator, tempDir('spool-home-'));
    const thread = codex.startThread({ workingDirectory: tempDir(), skipGitRepoCheck: true });
    const schema = {
      type: 'object',
      properties: { answer: { type: 'number' } },
      required: ['answer'],
      additionalProperties: false,
    };
    const turn = await thread.run('Answer as JSON.', { outputSchema: schema });
    expect(JSON.parse(turn.finalResponse)).toEqual({ answer: 42 });
    expect(emulator.requests[0]!.body!.text).toEqual({
      format: { type: 'json_schema', name: 'spool_output_schema', schema, strict: true },
    });
  });

  it('reports a failed turn as an error the SDK throws', async () => {
    emulator = await startEmulator({
      script: [
        {
          http: {
            status: 400,
            body: {
              error: {
                message: 'bad model',
                type: 'invalid_request_error',
                code: 'model_not_found',
                param: null,
              },
            },
          },
        },
      ],
    });
    const codex = codexOn(emulator, tempDir('spool-home-'));
    const thread = codex.startThread({ workingDirectory: tempDir(), skipGitRepoCheck: true });
    await expect(thread.run('hi')).rejects.toThrow(/bad model/);
  });
});
