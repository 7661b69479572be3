/**
 * Secrets never reach a command or the model: canaries of every kind in Spool's environment are
 * absent from `env`, `printenv`, every `/proc/<pid>/environ` inside the real sandbox, and every
 * request the model receives; plain variables stay; a variable the configuration names explicitly
 * (`set`, an exact `include_only` name) is passed.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filterShellEnvironment, SECRET_ENV_RULES, secretRuleFor } from '../../src/sandbox/environment.js';
import { resolveServer } from '../../src/tools/mcp/server-config.js';
import { spoolExecIn } from './bin-run.js';
import { type Layout, makeLayout } from './helpers.js';

let layout: Layout;
beforeEach(() => {
  layout = makeLayout('spool-secrets-');
});
afterEach(() => layout.cleanup());

const SECRET_NAMES = [
  'SPOOL_AUTH',
  'SPOOL_CANARY_PLAIN',
  'MY_API_KEY',
  'apikey_lower',
  'CLIENT_SECRET',
  'GH_TOKEN',
  'DB_PASSWORD',
  'DB_PASSWD',
  'HTTP_AUTHORIZATION',
  'AWS_CREDENTIALS_FILE',
  'PRIVATE_SIGNING',
  'SESSION_COOKIE',
  'OPENAI_ORGANIZATION',
  'AZURE_OPENAI_ENDPOINT',
  'OPENROUTER_REFERER',
  'CODEX_HOME',
];

const DUMP =
  'env; echo ---; printenv; echo ---; for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ 2>/dev/null; done';

describe('secrets in the environment (the real binary, real sandbox)', { timeout: 120_000 }, () => {
  it('no canary reaches env, printenv, /proc/*/environ or the model; plain variables stay', async () => {
    const tag = randomBytes(6).toString('hex');
    const canaries = Object.fromEntries(SECRET_NAMES.map((name) => [name, `canary-${name}-${tag}`]));
    const { run, outputs, requestText } = await spoolExecIn(layout, [DUMP], {
      env: { ...canaries, FOO: `plain-foo-${tag}`, LANG: 'C.UTF-8' },
    });
    expect(run.code, run.stderr).toBe(0);
    const output = outputs[0] ?? '';
    expect(output).toContain(`FOO=plain-foo-${tag}`);
    expect(output).toContain('LANG=C.UTF-8');
    expect(output).toMatch(/^PATH=/m);
    expect(output).toMatch(/^HOME=/m);
    for (const [name, value] of Object.entries(canaries)) {
      expect(output, name).not.toContain(value);
      expect(requestText, name).not.toContain(value);
    }
    // Spool's own settings (its home, the endpoint) stay with Spool too.
    expect(output).not.toContain(layout.home);
    expect(output).not.toMatch(/^OPENAI_/m);
  });

  it('a secret named explicitly by shell_environment_policy (set, exact include_only) is passed', async () => {
    const tag = randomBytes(6).toString('hex');
    const { run, outputs } = await spoolExecIn(
      layout,
      ['printenv GH_TOKEN DEPLOY_KEY SPOOL_AUTH FOO; true'],
      {
        env: { GH_TOKEN: `gh-${tag}`, SPOOL_AUTH: `spool-${tag}`, FOO: 'foo' },
        args: [
          '-c',
          'shell_environment_policy.include_only=["GH_TOKEN", "DEPLOY_KEY", "FOO", "PATH", "SPOOL_*"]',
          '-c',
          `shell_environment_policy.set={DEPLOY_KEY="deploy-${tag}"}`,
        ],
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const output = outputs[0] ?? '';
    expect(output).toContain(`gh-${tag}`);
    expect(output).toContain(`deploy-${tag}`);
    expect(output).toContain('foo');
    // A wildcard does not name a secret.
    expect(output).not.toContain(`spool-${tag}`);
  });
});

describe('the rules (one table)', () => {
  it('every rule catches its kind, case-insensitively; plain names pass', () => {
    for (const rule of SECRET_ENV_RULES) {
      const name = rule.match === 'prefix' ? `${rule.text}X` : `A_${rule.text.toLowerCase()}_B`;
      expect(secretRuleFor(name), name).toBe(rule);
    }
    for (const name of ['PATH', 'HOME', 'LANG', 'FOO', 'TERM', 'USER', 'LC_ALL', 'EDITOR'])
      expect(secretRuleFor(name), name).toBeUndefined();
    // ignore_default_excludes does not let credentials through.
    const env = filterShellEnvironment(
      { SPOOL_AUTH: 'x', MY_TOKEN: 'y', FOO: 'z' },
      { inherit: 'all', excludeSecrets: false, exclude: [], set: {}, includeOnly: [] },
    );
    expect(env).toEqual({ FOO: 'z' });
  });

  it('MCP stdio servers inherit no secret; their own configured env is passed', () => {
    const resolved = resolveServer(
      'srv',
      { command: '/usr/bin/true', env: { SERVICE_TOKEN: 'configured' } },
      {
        env: { PATH: '/usr/bin', HOME: '/root', TMPDIR: '/tmp', SPOOL_HOME: '/h', OPENAI_API_KEY: 'k' },
        cwd: '/',
      },
    );
    expect('server' in resolved && resolved.server.transport).toMatchObject({
      kind: 'stdio',
      env: { PATH: '/usr/bin', HOME: '/root', TMPDIR: '/tmp', SERVICE_TOKEN: 'configured' },
    });
    const env =
      'server' in resolved && resolved.server.transport.kind === 'stdio' ? resolved.server.transport.env : {};
    expect(Object.keys(env).sort()).toEqual(['HOME', 'PATH', 'SERVICE_TOKEN', 'TMPDIR']);
  });
});
