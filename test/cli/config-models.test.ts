import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function home(toml: string): string {
  const dir = tempDir('spool-home-');
  fs.writeFileSync(path.join(dir, 'config.toml'), toml);
  return dir;
}

describe('spool config show', () => {
  it('prints every effective value with where it came from', async () => {
    const spoolHome = home(
      'model = "file-model"\nprofile = "p"\n[profiles.p]\napproval_policy = "untrusted"\n',
    );
    const run = await runSpool(['config', 'show', '-c', 'sandbox_mode="workspace-write"'], {
      env: { SPOOL_HOME: spoolHome },
    });
    expect(run.code, run.stderr).toBe(0);
    const line = (key: string) => run.stdout.split('\n').find((l) => l.startsWith(`${key} = `));
    expect(line('model')).toMatch(/^model = "file-model"\s+# .*config\.toml$/);
    expect(line('approval_policy')).toMatch(/# profile p$/);
    expect(line('sandbox_mode')).toMatch(/"workspace-write"\s+# -c$/);
    expect(line('model_provider')).toMatch(/# default$/);
    expect(run.stdout).toMatch(/# provider openai: OpenAI, responses wire at https:\/\/api\.openai\.com\/v1/);
  });

  it('prints JSON and reports errors with their line', async () => {
    const json = await runSpool(['config', 'show', '--json', '-m', 'flag-model'], {
      env: { SPOOL_HOME: home('') },
    });
    expect(JSON.parse(json.stdout).values.model).toEqual({ value: 'flag-model', source: 'command line' });
    const broken = await runSpool(['config', 'show'], {
      env: { SPOOL_HOME: home('model = "a"\nsandbox_mode = 7\n') },
    });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/config\.toml:2:1: sandbox_mode: expected one of/);
  });
});

describe('providers from the command line', () => {
  it('lists the provider models with known context windows', async () => {
    emulator = await startEmulator({ models: ['gpt-5-codex', 'my-local-model'] });
    const run = await runSpool(['models'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: tempDir() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^MODEL\s+CONTEXT\ngpt-5-codex\s+272,000\nmy-local-model\s+-\n$/);
  });

  it('switches to a local chat-wire provider with one flag, and --oss finds it', async () => {
    emulator = await startEmulator({
      script: [respond(say('hello from ollama')), respond(say('hello again'))],
    });
    const env = { SPOOL_HOME: tempDir(), SPOOL_OSS_BASE_URL: emulator.url };
    const byFlag = await runSpool(
      ['exec', '--skip-git-repo-check', '-c', 'model_provider="ollama"', '-m', 'gpt-oss:20b', 'hi'],
      { env },
    );
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.stdout).toBe('hello from ollama\n');
    expect(emulator.requests[0]).toMatchObject({ wire: 'chat', body: { model: 'gpt-oss:20b' } });
    expect(emulator.requests[0]!.headers.authorization).toBeUndefined();

    const oss = await runSpool(
      ['exec', '--skip-git-repo-check', '--json', '--oss', '-m', 'gpt-oss:20b', 'hi'],
      { env },
    );
    expect(oss.code, oss.stderr).toBe(0);
    expect(jsonLines(oss.stdout).at(-2)).toMatchObject({ item: { text: 'hello again' } });
  });

  it('switches provider with a profile', async () => {
    emulator = await startEmulator({ script: [respond(say('from the corp proxy'))] });
    const spoolHome = home(
      [
        '[model_providers.corp]',
        'name = "Corp"',
        `base_url = "${emulator.url}"`,
        'env_key = "CORP_KEY"',
        'wire_api = "chat"',
        'http_headers = { "x-team" = "agents" }',
        '[profiles.work]',
        'model_provider = "corp"',
        'model = "corp-model"',
      ].join('\n'),
    );
    const run = await runSpool(['exec', '--skip-git-repo-check', '-p', 'work', 'hi'], {
      env: { SPOOL_HOME: spoolHome, CORP_KEY: 'secret' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(emulator.requests[0]!.headers).toMatchObject({
      authorization: 'Bearer secret',
      'x-team': 'agents',
    });
    const missing = await runSpool(['exec', '--skip-git-repo-check', '-p', 'work', 'hi'], {
      env: { SPOOL_HOME: spoolHome },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no API key for Corp: set CORP_KEY/);
  });
});
