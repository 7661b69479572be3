/**
 * What the built `spool exec` sends and shows where the real API is stricter than it looks
 * (issue 14): request fields the service rejects, the compaction request's cache routing, and
 * calls that fail before they do anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPatchCall, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function envFor(e: Emulator, home = tempDir('spool-home-')): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home };
}

const EXEC = ['exec', '--skip-git-repo-check'];

describe('spool exec: request fields the API rejects', () => {
  it('leaves reasoning.summary out when model_reasoning_summary = "none"', async () => {
    emulator = await startEmulator({ script: [respond(say('ok'))] });
    const run = await runSpool([...EXEC, '-c', 'model_reasoning_summary="none"', '-C', tempDir(), 'hi'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    const reasoning = emulator.requests[0]!.body!.reasoning as Record<string, unknown>;
    expect(reasoning).toEqual({ effort: 'medium' });
    expect(emulator.problems).toEqual([]);
  });

  it('sends the thread’s prompt_cache_key with /responses/compact', async () => {
    const workdir = tempDir();
    const home = tempDir('spool-home-');
    emulator = await startEmulator({ script: [respond(say('first answer'))] });
    const first = await runSpool([...EXEC, '--json', '-C', workdir, 'hello'], {
      env: envFor(emulator, home),
    });
    expect(first.code, first.stderr).toBe(0);
    const compact = await runSpool(
      ['exec', 'resume', '--last', '--compact', '--skip-git-repo-check', '-C', workdir],
      {
        env: envFor(emulator, home),
      },
    );
    expect(compact.code, compact.stderr).toBe(0);
    const threadKey = emulator.requests[0]!.body!.prompt_cache_key;
    expect(typeof threadKey).toBe('string');
    const compactRequest = emulator.requests.find((r) => r.wire === 'compact');
    expect(compactRequest?.body?.prompt_cache_key).toBe(threadKey);
  });
});

/** A Spool home whose config routes `model` through Chat Completions to the emulator. */
function chatHome(e: Emulator, extra: string[] = []): string {
  const home = tempDir('spool-home-');
  fs.writeFileSync(
    path.join(home, 'config.toml'),
    [
      'model_provider = "emu"',
      ...extra,
      '[model_providers.emu]',
      'name = "Emulated"',
      `base_url = "${e.url}"`,
      'env_key = "EMU_KEY"',
      'wire_api = "chat"',
    ].join('\n'),
  );
  return home;
}

describe('spool exec: model facts from the catalog (Chat Completions)', () => {
  it('runs a family that takes tools only without reasoning with reasoning_effort "none", and says how to let it reason', async () => {
    emulator = await startEmulator({ script: [respond(say('answer'))] });
    const run = await runSpool([...EXEC, '-m', 'gpt-5.4', '-C', tempDir(), 'hi'], {
      env: { SPOOL_HOME: chatHome(emulator), EMU_KEY: 'k' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('answer\n');
    expect(emulator.requests[0]!.body!.reasoning_effort).toBe('none');
    expect(run.stderr).toMatch(/warning: .*gpt-5\.4.*model_providers\.emu\.wire_api = "responses"/);
    expect(emulator.problems).toEqual([]);
  });

  it('refuses, with the change to make, an explicit effort the provider would reject — nothing is sent', async () => {
    emulator = await startEmulator({ script: [respond(say('never'))] });
    const run = await runSpool([...EXEC, '-m', 'gpt-5.5', '-C', tempDir(), 'hi'], {
      env: { SPOOL_HOME: chatHome(emulator, ['model_reasoning_effort = "high"']), EMU_KEY: 'k' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('model_reasoning_effort = "none"');
    expect(run.stderr).toContain('wire_api = "responses"');
    expect(emulator.requests).toEqual([]);
  });
});

describe('spool exec --output-schema', () => {
  function schemaFile(schema: unknown): string {
    const file = path.join(tempDir(), 'schema.json');
    fs.writeFileSync(file, JSON.stringify(schema));
    return file;
  }

  it('makes an ordinary schema strict-compatible (closed objects, every property required) and says so', async () => {
    emulator = await startEmulator({ script: [respond(say('{"answer":42,"note":"n","items":[{"x":1}]}'))] });
    const file = schemaFile({
      type: 'object',
      properties: {
        answer: { type: 'number' },
        note: { type: 'string' },
        items: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } } } },
      },
      required: ['answer'],
    });
    const run = await runSpool([...EXEC, '--output-schema', file, '-C', tempDir(), 'hi'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    const format = (emulator.requests[0]!.body!.text as { format: Record<string, unknown> }).format;
    expect(format).toMatchObject({ type: 'json_schema', strict: true });
    expect(format.schema).toEqual({
      type: 'object',
      properties: {
        answer: { type: 'number' },
        note: { type: 'string' },
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: { x: { type: 'number' } },
            additionalProperties: false,
            required: ['x'],
          },
        },
      },
      required: ['answer', 'note', 'items'],
      additionalProperties: false,
    });
    expect(run.stderr).toMatch(/additionalProperties: false added/);
    expect(run.stderr).toMatch(/\$\.properties\.note/);
    expect(emulator.problems).toEqual([]);
  });

  it('sends a schema strict mode cannot take as a non-strict guide, with a warning', async () => {
    emulator = await startEmulator({ script: [respond(say('{"a":"x"}'))] });
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' } },
      additionalProperties: { type: 'number' },
    };
    const run = await runSpool([...EXEC, '--output-schema', schemaFile(schema), '-C', tempDir(), 'hi'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect((emulator.requests[0]!.body!.text as { format: unknown }).format).toMatchObject({
      schema,
      strict: false,
    });
    expect(run.stderr).toMatch(/warning: --output-schema: .*cannot be enforced strictly/);
  });

  it('refuses a schema the API cannot take at all, with the exact change to make', async () => {
    emulator = await startEmulator({ script: [respond(say('[]'))] });
    const run = await runSpool(
      [
        ...EXEC,
        '--output-schema',
        schemaFile({ type: 'array', items: { type: 'string' } }),
        '-C',
        tempDir(),
        'hi',
      ],
      { env: envFor(emulator) },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Wrap it: {"type": "object"');
    expect(emulator.requests).toEqual([]);
  });
});

describe('spool exec: phase', () => {
  it('prints the final answer on stdout and the model’s commentary as progress on stderr', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('Let me check the directory.', 'commentary'), shellCall('true')),
        respond(say('Nothing to do.', 'final_answer')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'danger-full-access', '-C', tempDir(), 'check'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Nothing to do.\n');
    expect(run.stderr).toContain('Let me check the directory.');
    // Sent back with its phase.
    expect(JSON.stringify(emulator.requests[1]!.body!.input)).toContain('"phase":"commentary"');
  });
});

describe('spool exec: failures that happen before anything runs', () => {
  it('shows a patch that does not parse as a failed file_change item in --json', async () => {
    emulator = await startEmulator({
      script: [respond(applyPatchCall('this is not a patch at all')), respond(say('I will fix the patch.'))],
    });
    const run = await runSpool([...EXEC, '--json', '-s', 'workspace-write', '-C', tempDir(), 'edit'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    const completed = jsonLines(run.stdout).filter((event) => event.type === 'item.completed');
    expect(completed.map((event) => event.item)).toContainEqual(
      expect.objectContaining({ type: 'file_change', status: 'failed', changes: [] }),
    );
    // The model got the parser's reason.
    const output = JSON.stringify(emulator.requests[1]!.body!.input);
    expect(output).toContain('custom_tool_call_output');
  });

  it('refuses --compact without a session to compact (usage error, no request)', async () => {
    emulator = await startEmulator({ script: [respond(say('should not be asked'))] });
    const run = await runSpool([...EXEC, '--compact', '-C', tempDir(), 'hello'], { env: envFor(emulator) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('spool exec resume');
    expect(emulator.requests).toEqual([]);
  });
});
