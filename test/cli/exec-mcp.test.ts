import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { jsonLines, ROOT, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const FIXTURE = path.join(ROOT, 'test/mcp/fixtures/fixture-server.mjs');

describe('spool exec with an MCP server from config.toml', () => {
  it('offers the server tools, calls one, and shows the call as an mcp_tool_call item', async () => {
    const home = tempDir('spool-home-');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      // The user trusts this server's tools: nothing is asked (the default asks for unannotated tools).
      `[mcp_servers.fix]\ncommand = "${process.execPath}"\nargs = ["${FIXTURE}"]\ndefault_tools_approval_mode = "approve"\n`,
    );
    emulator = await startEmulator({
      script: [respond(call('mcp__fix__echo', { text: 'through MCP' })), respond(say('done'))],
    });
    const run = await runSpool(['exec', '--skip-git-repo-check', '--json', '-C', tempDir(), 'use the tool'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    const names = (emulator.requests[0]!.body!.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain('mcp__fix__echo');
    expect(names).toEqual([...names].sort());
    const output = (emulator.requests[1]!.body!.input as Array<Record<string, unknown>>).find(
      (i) => i.type === 'function_call_output',
    );
    expect(JSON.stringify(output!.output)).toContain('through MCP');
    const item = jsonLines(run.stdout).find(
      (e) => e.type === 'item.completed' && (e.item as { type: string }).type === 'mcp_tool_call',
    );
    expect(item).toMatchObject({ item: { server: 'fix', tool: 'echo', status: 'completed', error: null } });
  });

  it('waits for a slow server within its startup_timeout_sec and says which servers start or fail', async () => {
    const home = tempDir('spool-home-');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      [
        '[mcp_servers.slow]',
        `command = "${process.execPath}"`,
        `args = ["${FIXTURE}"]`,
        'startup_timeout_sec = 20',
        'default_tools_approval_mode = "approve"',
        '[mcp_servers.slow.env]',
        'FIXTURE_STARTUP_DELAY_MS = "4500"',
        '[mcp_servers.stuck]',
        `command = "${process.execPath}"`,
        `args = ["${FIXTURE}"]`,
        'startup_timeout_sec = 1.5',
        '[mcp_servers.stuck.env]',
        'FIXTURE_NO_INIT = "1"',
        '',
      ].join('\n'),
    );
    emulator = await startEmulator({
      script: [respond(call('mcp__slow__echo', { text: 'late but there' })), respond(say('done'))],
    });
    const run = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'use the tool'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    // The slow server's tools are in the very first request; the stuck one is not, and no later
    // request rewrote the first.
    const names = (emulator.requests[0]!.body!.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain('mcp__slow__echo');
    expect(names.some((n) => n.startsWith('mcp__stuck__'))).toBe(false);
    expect(JSON.stringify(emulator.requests[1]!.body!.input)).toContain('late but there');
    // Said on stderr: who is still starting, who became ready, who failed and why.
    expect(run.stderr).toMatch(/waiting for .*"slow" \(up to 20 s\)/);
    expect(run.stderr).toMatch(/"slow" is ready/);
    expect(run.stderr).toMatch(/"stuck" failed to start: it did not start within 1\.5 s/);
  }, 60_000);

  it('asks before calling an MCP tool that does not say it only reads, and refuses it under never', async () => {
    const home = tempDir('spool-home-');
    const calls = path.join(tempDir(), 'calls.log');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      [
        '[mcp_servers.fix]',
        `command = "${process.execPath}"`,
        `args = ["${FIXTURE}"]`,
        '[mcp_servers.fix.env]',
        'FIXTURE_ANNOTATED = "1"',
        `FIXTURE_CALL_LOG = "${calls}"`,
        '[mcp_servers.fix.tools.note]',
        'approval_mode = "prompt"',
        '',
      ].join('\n'),
    );
    const script = () => [
      respond(
        call('mcp__fix__whoami', {}, 'c_read'),
        call('mcp__fix__echo', { text: 'unannotated' }, 'c_echo'),
        call('mcp__fix__wipe', { target: 'everything' }, 'c_wipe'),
        call('mcp__fix__note', { text: 'forced to ask' }, 'c_note'),
      ),
      respond(say('done')),
    ];
    const outputs = (e: Emulator) =>
      new Map(
        (e.requests[1]!.body!.input as Array<Record<string, unknown>>)
          .filter((i) => i.type === 'function_call_output')
          .map((i) => [i.call_id as string, JSON.stringify(i.output)]),
      );
    const env = (e: Emulator) => ({ OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home });

    // read-only + untrusted (16.8): the read-only tool runs; the rest are asked — and declined, as
    // nobody can answer a piped exec — with server, tool and arguments named.
    emulator = await startEmulator({ script: script() });
    const asked = await runSpool(
      ['exec', '--skip-git-repo-check', '-s', 'read-only', '-a', 'untrusted', '-C', tempDir(), 'go'],
      { env: env(emulator) },
    );
    expect(asked.code, asked.stderr).toBe(0);
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['whoami']);
    expect(asked.stderr).toContain('declined (non-interactive): fix.echo({"text":"unannotated"})');
    expect(asked.stderr).toContain('declined (non-interactive): fix.wipe({"target":"everything"})');
    expect(asked.stderr).toContain('declined (non-interactive): fix.note({"text":"forced to ask"})');
    const first = outputs(emulator);
    expect(first.get('c_read')).toContain('pid ');
    for (const id of ['c_echo', 'c_wipe', 'c_note']) expect(first.get(id)).toContain('declined');
    await emulator.close();

    // never (exec's default): refused outright, with Codex's reason and how to allow it.
    fs.rmSync(calls);
    emulator = await startEmulator({ script: script() });
    const never = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'go'], {
      env: env(emulator),
    });
    expect(never.code, never.stderr).toBe(0);
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['whoami']);
    const second = outputs(emulator);
    for (const id of ['c_echo', 'c_wipe', 'c_note'])
      expect(second.get(id)).toContain('MCP tool call requires approval, but approval policy is never');
    expect(second.get('c_echo')).toContain('default_tools_approval_mode');
  }, 90_000);

  it('never takes a server program given by name from a directory the sandbox can write', async () => {
    const home = tempDir('spool-home-');
    const work = tempDir();
    const marker = path.join(tempDir(), 'planted-ran');
    const planted = path.join(work, '.venv', 'bin');
    fs.mkdirSync(planted, { recursive: true });
    for (const name of ['node', 'planted-only']) {
      fs.writeFileSync(path.join(planted, name), `#!/bin/sh\ntouch ${marker}\nexit 1\n`, { mode: 0o755 });
    }
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      [
        '[mcp_servers.fix]',
        'command = "node"',
        `args = ["${FIXTURE}"]`,
        'default_tools_approval_mode = "approve"',
        '[mcp_servers.gone]',
        'command = "planted-only"',
        '',
      ].join('\n'),
    );
    emulator = await startEmulator({
      script: [respond(call('mcp__fix__echo', { text: 'real node' })), respond(say('done'))],
    });
    // An activated virtualenv inside the workspace comes first on PATH.
    const run = await runSpool(['exec', '--skip-git-repo-check', '-C', work, 'go'], {
      env: {
        OPENAI_BASE_URL: emulator.url,
        OPENAI_API_KEY: 'k',
        SPOOL_HOME: home,
        PATH: `${planted}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
    expect(JSON.stringify(emulator.requests[1]!.body!.input)).toContain('echo: real node');
    expect(run.stderr).toMatch(
      /"gone" is not started: .*planted-only.*inside .*which sandboxed commands may write/,
    );
  }, 60_000);
});
