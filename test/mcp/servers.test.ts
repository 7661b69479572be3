/**
 * The MCP manager against real server processes: startup (parallel, slow, never), filters, the
 * environment servers get, crashes, hangs, timeouts, list changes and stderr logs.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { McpCallError } from '../../src/tools/mcp/connection.js';
import { everything, fixture, ManagerPool, signal, type TestManager, textOf } from './helpers.js';

const pool = new ManagerPool();
afterEach(() => pool.closeAll());

async function pidOf(started: TestManager): Promise<string> {
  return textOf(await started.manager.callTool('fix', 'whoami', {}, signal()));
}

describe('MCP servers', () => {
  it('start in parallel; a slow one does not hold up the others', async () => {
    const delay = 1_500;
    const { manager } = pool.start({
      fast: fixture(),
      slow1: fixture({ FIXTURE_STARTUP_DELAY_MS: String(delay) }),
      slow2: fixture({ FIXTURE_STARTUP_DELAY_MS: String(delay) }),
    });
    const state = (name: string) => manager.status().find((s) => s.name === name)!.state;
    await expect.poll(() => state('fast'), { timeout: 10_000 }).toBe('ready');
    expect([state('slow1'), state('slow2')]).toEqual(['starting', 'starting']);
    const versionEarly = manager.snapshot().version;
    expect(manager.snapshot().tools.every((t) => t.server === 'fast')).toBe(true);

    // Both slow servers wait at the same time: they become ready together, not one delay apart.
    const readyAt: Record<string, number> = {};
    await expect
      .poll(
        () => {
          for (const name of ['slow1', 'slow2']) if (state(name) === 'ready') readyAt[name] ??= Date.now();
          return Object.keys(readyAt).length;
        },
        { timeout: 15_000, interval: 20 },
      )
      .toBe(2);
    expect(Math.abs(readyAt.slow1! - readyAt.slow2!)).toBeLessThan(delay * 0.66);
    expect(manager.snapshot().version).toBeGreaterThan(versionEarly);
    expect(new Set(manager.snapshot().tools.map((t) => t.server))).toEqual(
      new Set(['fast', 'slow1', 'slow2']),
    );
  });

  it('gives up on a server that does not start within startup_timeout_sec, and says why', async () => {
    const { manager, warnings, home } = pool.start({
      silent: fixture({ FIXTURE_NO_INIT: '1' }, { startup_timeout_sec: 0.4 }),
      missing: { command: '/nonexistent/mcp-server' },
      nothing: {},
      both: { command: 'x', url: 'http://localhost:1/mcp' },
      token: { url: 'http://127.0.0.1:1/mcp', bearer_token_env_var: 'SPOOL_TEST_NO_SUCH_TOKEN' },
      off: fixture({}, { enabled: false }),
    });
    const started = Date.now();
    await manager.settled();
    expect(Date.now() - started).toBeLessThan(4_000);
    const status = Object.fromEntries(manager.status().map((s) => [s.name, s]));
    expect(status.silent).toMatchObject({ state: 'failed', error: 'it did not start within 0.4 s' });
    expect(status.missing).toMatchObject({ state: 'failed' });
    expect(status.missing!.error).toContain('/nonexistent/mcp-server');
    expect(status.nothing).toMatchObject({
      state: 'invalid',
      error: 'needs `command` (stdio) or `url` (streamable HTTP)',
    });
    expect(status.both).toMatchObject({ state: 'invalid' });
    expect(status.token!.error).toContain('SPOOL_TEST_NO_SUCH_TOKEN');
    expect(status.off).toMatchObject({ state: 'disabled' });
    expect(manager.snapshot().tools).toEqual([]);
    expect(
      warnings.some((w) =>
        w.startsWith('MCP server "silent" failed to start: it did not start within 0.4 s'),
      ),
    ).toBe(true);
    // The silent server was killed, and its log says so.
    const log = fs.readFileSync(`${home}/log/mcp-silent.log`, 'utf8');
    expect(log).toContain('spool: starting ');
    expect(log).toMatch(/server exited \(signal SIG(KILL|TERM)\)/);
  });

  it('offers only enabled_tools minus disabled_tools, and refuses calls to the others', async () => {
    const { manager } = pool.start({
      fix: fixture({}, { enabled_tools: ['echo', 'whoami', 'crash'], disabled_tools: ['crash'] }),
    });
    await manager.settled();
    expect(manager.snapshot().tools.map((t) => t.name)).toEqual(['mcp__fix__echo', 'mcp__fix__whoami']);
    await expect(manager.callTool('fix', 'crash', {}, signal())).rejects.toThrow(
      'Tool "crash" of MCP server "fix" is disabled in the configuration.',
    );
  });

  it('give stdio servers a small environment plus their own env, never Spool’s secrets', async () => {
    const { manager } = pool.start(
      { everything: everything({ env: { SPOOL_TEST_VAR: 'from-config' } }) },
      { ...process.env, OPENAI_API_KEY: 'sk-secret-value', SPOOL_TEST_OTHER: 'not-passed' },
    );
    await manager.settled();
    const env = JSON.parse(textOf(await manager.callTool('everything', 'get-env', {}, signal()))) as Record<
      string,
      string
    >;
    expect(env.SPOOL_TEST_VAR).toBe('from-config');
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.OPENAI_API_KEY).toBeUndefined();
    expect(env.SPOOL_TEST_OTHER).toBeUndefined();
  });

  it('restart a crashed server on the next call; the crashed call gets an error', async () => {
    const pool2 = pool.start({ fix: fixture() });
    const { manager, warnings } = pool2;
    await manager.settled();
    const pid = await pidOf(pool2);
    const crash = manager.callTool('fix', 'crash', {}, signal());
    await expect(crash).rejects.toBeInstanceOf(McpCallError);
    await expect(crash).rejects.toThrow(
      'MCP server "fix" exited while running "crash"; it will be restarted on the next call.',
    );
    expect(manager.status()[0]).toMatchObject({ state: 'stopped', starts: 1 });
    expect(warnings.some((w) => w.includes('"fix" exited'))).toBe(true);
    const after = await pidOf(pool2);
    expect(after).toMatch(/^pid \d+$/);
    expect(after).not.toBe(pid);
    expect(manager.status()[0]).toMatchObject({ state: 'ready', starts: 2 });
  });

  it('time out a hung server, kill it, and restart it on the next call', async () => {
    const pool2 = pool.start({ fix: fixture({}, { tool_timeout_sec: 0.5 }) });
    const { manager } = pool2;
    await manager.settled();
    const pid = await pidOf(pool2);
    const started = Date.now();
    await expect(manager.callTool('fix', 'hang', {}, signal())).rejects.toThrow(
      'MCP tool "hang" (server "fix") did not finish within 0.5 s, so the call was cancelled. The server did not answer a ping either, so it was stopped; it will be restarted on the next call.',
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(Number.isNaN(Number(pid.slice(4)))).toBe(false);
    // The hung process is gone.
    const hungPid = Number(pid.slice(4));
    await expect.poll(() => isAlive(hungPid), { timeout: 3_000 }).toBe(false);
    const after = await pidOf(pool2);
    expect(after).not.toBe(pid);
  });

  it('keep a slow but responsive server after a timeout', async () => {
    const pool2 = pool.start({ fix: fixture({}, { tool_timeout_sec: 0.3 }) });
    const { manager } = pool2;
    await manager.settled();
    const pid = await pidOf(pool2);
    const error = await manager
      .callTool('fix', 'sleep', { ms: 1_500 }, signal())
      .catch((e: Error) => e.message);
    expect(error).toBe(
      'MCP tool "sleep" (server "fix") did not finish within 0.3 s, so the call was cancelled.',
    );
    expect(await pidOf(pool2)).toBe(pid);
  });

  it('stop a call when the turn is interrupted', async () => {
    const { manager } = pool.start({ fix: fixture() });
    await manager.settled();
    const controller = new AbortController();
    const call = manager.callTool('fix', 'sleep', { ms: 5_000 }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toThrow('The call was interrupted.');
  });

  it('record list changes without touching the list until asked; a change to nothing changes nothing', async () => {
    const { manager } = pool.start({ fix: fixture() });
    await manager.settled();
    const before = manager.snapshot();
    await manager.callTool('fix', 'touch_list', {}, signal());
    await expect.poll(() => manager.status()[0]!.listChanged).toBe(1);
    await manager.idle();
    expect(manager.snapshot()).toBe(before);

    await manager.callTool('fix', 'add_tool', { name: 'late' }, signal());
    await expect.poll(() => manager.snapshot().tools.some((t) => t.name === 'mcp__fix__late')).toBe(true);
    expect(manager.snapshot().version).toBeGreaterThan(before.version);
    expect(textOf(await manager.callTool('fix', 'late', { value: 'v' }, signal()))).toBe('late: v');
  });

  it('send server stderr to the log file', async () => {
    const { manager, home } = pool.start({ fix: fixture() });
    await manager.settled();
    await manager.callTool('fix', 'stderr', { text: 'hello from the server' }, signal());
    await expect
      .poll(() => fs.readFileSync(`${home}/log/mcp-fix.log`, 'utf8'))
      .toContain('fixture stderr: hello from the server');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
