import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { locateKeys } from '../../src/config/locate.js';
import { parseOverride, splitKeyPath } from '../../src/config/overrides.js';
import { azureBaseUrl, missingKeyMessage, resolveProvider } from '../../src/config/providers.js';
import { loadEffectiveConfig, loadRuntime } from '../../src/config/runtime.js';
import { tempDir } from '../support/thread.js';

function homeWith(toml: string): NodeJS.ProcessEnv {
  const home = tempDir('spool-home-');
  fs.writeFileSync(path.join(home, 'config.toml'), toml);
  return { SPOOL_HOME: home, PATH: process.env.PATH };
}

describe('-c overrides', () => {
  it('parses values as TOML and falls back to a string', () => {
    expect(parseOverride('model=o3').value).toBe('o3');
    expect(parseOverride('model="o3"').value).toBe('o3');
    expect(parseOverride('project_doc_max_bytes=1024').value).toBe(1024);
    expect(parseOverride('sandbox_workspace_write.writable_roots=["/a", "/b"]')).toMatchObject({
      path: ['sandbox_workspace_write', 'writable_roots'],
      value: ['/a', '/b'],
    });
    expect(parseOverride('model_providers.x.query_params={ api-version = "1" }').value).toEqual({
      'api-version': '1',
    });
    expect(parseOverride('developer_instructions=be brief and kind').value).toBe('be brief and kind');
  });

  it('splits dotted keys with quoted segments', () => {
    expect(splitKeyPath('model_providers."my.host".base_url')).toEqual([
      'model_providers',
      'my.host',
      'base_url',
    ]);
    expect(() => parseOverride('novalue')).toThrow(/-c expects key=value/);
  });
});

describe('precedence: flags > -c > profile > file > defaults', () => {
  const toml = [
    'model = "file-model"',
    'sandbox_mode = "workspace-write"',
    'approval_policy = "untrusted"',
    'profile = "fast"',
    '',
    '[profiles.fast]',
    'model = "profile-model"',
    'approval_policy = "on-failure"',
    '',
    '[profiles.slow]',
    'model = "slow-model"',
  ].join('\n');

  const cases: Array<{
    name: string;
    flags: Parameters<typeof loadEffectiveConfig>[0];
    model: string;
    source: string;
  }> = [
    { name: 'profile from file', flags: {}, model: 'profile-model', source: 'profile fast' },
    {
      name: '-p selects another profile',
      flags: { profile: 'slow' },
      model: 'slow-model',
      source: 'profile slow',
    },
    {
      name: '-c beats the profile',
      flags: { config: ['model=cli-model'] },
      model: 'cli-model',
      source: '-c',
    },
    {
      name: 'the flag beats -c',
      flags: { config: ['model=cli-model'], model: 'flag-model' },
      model: 'flag-model',
      source: 'command line',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const effective = loadEffectiveConfig(c.flags, homeWith(toml));
      expect(effective.config.model).toBe(c.model);
      expect(effective.sources.get('model')).toBe(c.source);
    });
  }

  it('keeps file values the profile does not set, and defaults below everything', () => {
    const env = homeWith(toml);
    const effective = loadEffectiveConfig({}, env);
    expect(effective.config.sandbox_mode).toBe('workspace-write');
    expect(effective.sources.get('sandbox_mode')).toBe(path.join(env.SPOOL_HOME!, 'config.toml'));
    expect(effective.config.approval_policy).toBe('on-failure');
    expect(effective.config.model_provider).toBe('openai');
    expect(effective.sources.get('model_provider')).toBe('default');
  });

  it('names a missing profile and the ones that exist', () => {
    expect(() => loadEffectiveConfig({ profile: 'nope' }, homeWith(toml))).toThrow(
      /profile "nope" is not defined in .*config\.toml \(profiles: fast, slow\)/,
    );
  });

  it('turns bypass into danger-full-access and never', () => {
    const runtime = loadRuntime({ bypass: true }, homeWith(toml));
    expect(runtime.settings.sandbox.mode).toBe('danger-full-access');
    expect(runtime.settings.approvalPolicy).toBe('never');
    expect(runtime.settings.bypassSandbox).toBe(true);
  });
});

describe('configuration errors point at the line', () => {
  it('reports TOML syntax errors with file, line and column', () => {
    expect(() => parseConfigText('model = "a"\nsandbox_mode = [\n', '/x/config.toml')).toThrow(
      /^\/x\/config\.toml:3:1: invalid TOML: /,
    );
  });

  it('reports a wrong type with its line, column and the expected type', () => {
    const text = 'model = "a"\n\n[model_providers.local]\nbase_url = "http://x"\nwire_api = "grpc"\n';
    expect(() => parseConfigText(text, 'config.toml')).toThrow(
      'config.toml:5:1: model_providers.local.wire_api: expected one of "responses"|"chat"',
    );
    expect(() => parseConfigText('project_doc_max_bytes = "big"', 'config.toml')).toThrow(
      'config.toml:1:1: project_doc_max_bytes: expected number, received string',
    );
  });

  it('warns about unknown keys with their position and ignores them', () => {
    const result = parseConfigText(
      'model = "a"\nmodle = "typo"\n[tui]\nnotifications = true\n',
      'config.toml',
    );
    expect(result.config).toEqual({ model: 'a' });
    expect(result.warnings).toEqual([
      'config.toml:2:1: unknown key `modle` (ignored)',
      'config.toml:3:1: unknown key `tui` (ignored)',
    ]);
  });

  it('names the -c flag that has a wrong type', () => {
    expect(() => loadEffectiveConfig({ config: ['approval_policy=sometimes'] }, homeWith(''))).toThrow(
      /^-c approval_policy=sometimes: approval_policy: expected one of/,
    );
  });

  it('locates keys in tables, dotted keys and arrays of tables', () => {
    const positions = locateKeys('a = 1\n[b.c]\n  d = 2\ne.f = 3\n[[g]]\nh = 1\n[[g]]\nh = 2\n');
    expect(positions.get('a')).toEqual({ line: 1, column: 1 });
    expect(positions.get(['b', 'c', 'd'].join('\0'))).toEqual({ line: 3, column: 3 });
    expect(positions.get(['b', 'c', 'e', 'f'].join('\0'))).toEqual({ line: 4, column: 1 });
    expect(positions.get(['g', '1', 'h'].join('\0'))).toEqual({ line: 8, column: 1 });
  });
});

describe('providers', () => {
  it('builds Azure: resource URL + /openai, api-version query, api-key header', () => {
    const provider = resolveProvider(
      'azure',
      {},
      {
        AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com',
        AZURE_OPENAI_API_KEY: 'az-key',
      },
    );
    expect(provider).toMatchObject({
      baseURL: 'https://res.openai.azure.com/openai',
      wireApi: 'responses',
      apiKey: 'az-key',
      query: { 'api-version': '2025-04-01-preview' },
      headers: { 'api-key': 'az-key' },
    });
    expect(azureBaseUrl('https://res.openai.azure.com/openai/')).toBe('https://res.openai.azure.com/openai');
    expect(() => resolveProvider('azure', {}, {})).toThrow(/AZURE_OPENAI_ENDPOINT/);
  });

  it('lets config adjust a built-in provider field by field', () => {
    const provider = resolveProvider(
      'azure',
      {
        model_providers: {
          azure: { base_url: 'https://r.openai.azure.com/openai', query_params: { 'api-version': 'v1' } },
        },
      },
      { AZURE_OPENAI_API_KEY: 'k' },
    );
    expect(provider.query).toEqual({ 'api-version': 'v1' });
    expect(provider.baseURL).toBe('https://r.openai.azure.com/openai');
  });

  it('local providers need no key; hosted ones name their variable', () => {
    expect(missingKeyMessage(resolveProvider('ollama', {}, {}))).toBeUndefined();
    expect(resolveProvider('lmstudio', {}, {})).toMatchObject({
      baseURL: 'http://localhost:1234/v1',
      wireApi: 'chat',
    });
    expect(missingKeyMessage(resolveProvider('openrouter', {}, {}))).toBe(
      'no API key for OpenRouter: set OPENROUTER_API_KEY.',
    );
    expect(missingKeyMessage(resolveProvider('openai', {}, {}))).toBe(
      'no API key for OpenAI: set OPENAI_API_KEY.',
    );
    // Another OpenAI-compatible endpoint (a proxy, the emulator) may need no key.
    expect(
      missingKeyMessage(resolveProvider('openai', {}, { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })),
    ).toBeUndefined();
    expect(resolveProvider('openai', {}, { CODEX_API_KEY: 'c' }).apiKey).toBe('c');
  });

  it('takes custom providers with headers from the environment', () => {
    const provider = resolveProvider(
      'corp',
      {
        model_providers: {
          corp: {
            name: 'Corp',
            base_url: 'https://llm.corp/v1/',
            env_key: 'CORP_KEY',
            wire_api: 'chat',
            http_headers: { 'x-team': 'a' },
            env_http_headers: { 'x-trace': 'CORP_TRACE' },
          },
        },
      },
      { CORP_KEY: 'k', CORP_TRACE: 't' },
    );
    expect(provider).toMatchObject({
      name: 'Corp',
      baseURL: 'https://llm.corp/v1',
      apiKey: 'k',
      wireApi: 'chat',
      headers: { 'x-team': 'a', 'x-trace': 't' },
    });
    expect(() => resolveProvider('nope', {}, {})).toThrow(/unknown model_provider "nope"/);
  });

  it('ConfigError is what bad configuration throws', () => {
    expect(() => parseConfigText('x = [', 'f')).toThrow(ConfigError);
  });
});
