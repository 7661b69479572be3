/** `spool mcp list | get | add | remove` through commander, on a real config.toml in a temp home. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addMcpCommands } from '../../src/cli/mcp-command.js';
import { tempDir } from '../support/thread.js';

interface Run {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

function sink(onWrite: (s: string) => void): NodeJS.WritableStream {
  return {
    write: (chunk: string) => {
      onWrite(String(chunk));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

async function spool(home: string, ...args: string[]): Promise<Run> {
  const run: Run = { code: undefined, stdout: '', stderr: '' };
  const program = new Command('spool').exitOverride();
  program.configureOutput({ writeOut: (s) => (run.stdout += s), writeErr: (s) => (run.stderr += s) });
  addMcpCommands(program, () => ({
    stdout: sink((s) => (run.stdout += s)),
    stderr: sink((s) => (run.stderr += s)),
    env: { SPOOL_HOME: home, HOME: home },
    exit: (code) => {
      run.code = code;
    },
  }));
  await program.parseAsync(['node', 'spool', ...args]);
  return run;
}

const EXISTING = `# my settings
model = "gpt-5"

[profiles.fast] # quick answers
model = "gpt-5-mini"
`;

describe('spool mcp', () => {
  it('adds, lists, shows and removes servers, leaving the rest of config.toml as it was', async () => {
    const home = tempDir('spool-mcp-cli-');
    const file = path.join(home, 'config.toml');
    fs.writeFileSync(file, EXISTING);

    expect(await spool(home, 'mcp', 'list')).toEqual({
      code: 0,
      stdout: 'No MCP servers configured. Add one with `spool mcp add <name> -- <command> [args...]`.\n',
      stderr: '',
    });

    const add = await spool(
      home,
      'mcp',
      'add',
      'everything',
      '--env',
      'API_KEY=s3cret',
      '--startup-timeout',
      '20',
      '--',
      'npx',
      '-y',
      '@modelcontextprotocol/server-everything',
    );
    expect(add).toEqual({ code: 0, stdout: `Added MCP server "everything" to ${file}.\n`, stderr: '' });
    const docs = await spool(
      home,
      'mcp',
      'add',
      'docs',
      '--url',
      'https://example.com/mcp',
      '--bearer-token-env-var',
      'DOCS_TOKEN',
      '--header',
      'X-Team=core',
      '--disabled-tools',
      'delete_page, move_page',
    );
    expect(docs.code).toBe(0);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith(EXISTING.trimEnd())).toBe(true);
    expect(text).toContain(
      '[mcp_servers.everything]\ncommand = "npx"\nargs = [ "-y", "@modelcontextprotocol/server-everything" ]\nstartup_timeout_sec = 20\n\n[mcp_servers.everything.env]\nAPI_KEY = "s3cret"\n',
    );
    expect(text).toContain('disabled_tools = [ "delete_page", "move_page" ]');

    const list = await spool(home, 'mcp', 'list');
    expect(list.stdout).toBe(
      [
        'NAME        TRANSPORT  STATUS   COMMAND / URL',
        'docs        http       enabled  https://example.com/mcp',
        'everything  stdio      enabled  npx -y @modelcontextprotocol/server-everything',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await spool(home, 'mcp', 'list', '--json')).stdout) as Array<
      Record<string, unknown>
    >;
    expect(json.map((s) => s.name)).toEqual(['docs', 'everything']);
    expect(json[1]!.env).toEqual({ API_KEY: '*****' });
    expect(json[0]!.http_headers).toEqual({ 'X-Team': '*****' });

    const get = await spool(home, 'mcp', 'get', 'everything');
    expect(get.code).toBe(0);
    expect(get.stdout).toContain('  command: npx -y @modelcontextprotocol/server-everything\n');
    expect(get.stdout).toContain('  env: API_KEY=*****\n');
    expect(get.stdout).toContain('  startup_timeout_sec: 20\n  tool_timeout_sec: 60 (default)\n');
    expect(get.stdout).toContain(`  log: ${path.join(home, 'log', 'mcp-everything.log')}\n`);
    expect(get.stdout).not.toContain('s3cret');

    expect((await spool(home, 'mcp', 'remove', 'everything')).code).toBe(0);
    expect((await spool(home, 'mcp', 'remove', 'docs')).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(EXISTING);
  });

  it('refuses bad input with a message and a non-zero exit, leaving the file untouched', async () => {
    const home = tempDir('spool-mcp-cli-');
    const file = path.join(home, 'config.toml');
    fs.writeFileSync(file, EXISTING);
    const cases: Array<[string[], number, string]> = [
      [['mcp', 'add', 'bad name', '--', 'x'], 2, 'invalid name "bad name"'],
      [['mcp', 'add', 'x'], 2, 'give the server command after -- (stdio), or --url (streamable HTTP)'],
      [['mcp', 'add', 'x', '--url', 'http://h/mcp', '--', 'cmd'], 2, 'not both'],
      [['mcp', 'add', 'x', '--env', 'NOEQUALS', '--', 'cmd'], 2, '--env must be KEY=VALUE'],
      [['mcp', 'add', 'x', '--tool-timeout', '-5', '--', 'cmd'], 2, 'expected a positive number of seconds'],
      [['mcp', 'remove', 'nope'], 1, 'no MCP server named "nope"'],
      [['mcp', 'get', 'nope'], 1, 'no MCP server named "nope"'],
    ];
    for (const [args, code, message] of cases) {
      const run = await spool(home, ...args);
      expect(run.code, args.join(' ')).toBe(code);
      expect(run.stderr).toContain(message);
    }
    expect((await spool(home, 'mcp', 'add', 'x', '--', 'cmd')).code).toBe(0);
    const duplicate = await spool(home, 'mcp', 'add', 'x', '--', 'other');
    expect(duplicate).toMatchObject({ code: 1 });
    expect(duplicate.stderr).toContain('already exists');
    expect(fs.readFileSync(file, 'utf8')).toBe(`${EXISTING}\n[mcp_servers.x]\ncommand = "cmd"\n`);
  });

  it('creates config.toml when there is none', async () => {
    const home = path.join(tempDir('spool-mcp-cli-'), 'new-home');
    expect((await spool(home, 'mcp', 'add', 'fs', '--', 'mcp-server-filesystem', '/tmp')).code).toBe(0);
    expect(fs.readFileSync(path.join(home, 'config.toml'), 'utf8')).toBe(
      '[mcp_servers.fs]\ncommand = "mcp-server-filesystem"\nargs = [ "/tmp" ]\n',
    );
  });
});
