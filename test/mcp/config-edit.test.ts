import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { addMcpServer, ConfigEditError, removeMcpServer } from '../../src/tools/mcp/config-edit.js';

const CONFIG = `# My Spool configuration
model = "gpt-5"   # the usual one

# Servers I use every day
[mcp_servers.github]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-github"]

[mcp_servers.github.env]
GITHUB_TOKEN = "ghp_secret"   # rotate monthly

# The docs server, over HTTP
[mcp_servers.docs]
url = "https://example.com/mcp"

[profiles.fast]
model = "gpt-5-mini"
`;

describe('config.toml edits for `spool mcp add/remove`', () => {
  it('append a server and keep every other byte, comments included', () => {
    const edited = addMcpServer(CONFIG, 'everything', {
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-everything'],
      env: { KEY: 'va"lue' },
      startup_timeout_sec: 20,
    });
    expect(edited.startsWith(CONFIG.trimEnd())).toBe(true);
    expect(edited.slice(CONFIG.trimEnd().length)).toBe(
      [
        '',
        '',
        '[mcp_servers.everything]',
        'command = "npx"',
        'args = [ "-y", "@modelcontextprotocol/server-everything" ]',
        'startup_timeout_sec = 20',
        '',
        '[mcp_servers.everything.env]',
        'KEY = "va\\"lue"',
        '',
      ].join('\n'),
    );
    const parsed = parse(edited) as { mcp_servers: Record<string, { env?: Record<string, string> }> };
    expect(Object.keys(parsed.mcp_servers)).toEqual(['github', 'docs', 'everything']);
    expect(parsed.mcp_servers.everything!.env).toEqual({ KEY: 'va"lue' });
  });

  it('start an empty file with just the server', () => {
    expect(addMcpServer('', 'x', { url: 'http://localhost:1/mcp' })).toBe(
      '[mcp_servers.x]\nurl = "http://localhost:1/mcp"\n',
    );
  });

  it('refuse a duplicate, and a file where a table cannot be added', () => {
    expect(() => addMcpServer(CONFIG, 'github', { command: 'x' })).toThrow(ConfigEditError);
    expect(() => addMcpServer(CONFIG, 'github', { command: 'x' })).toThrow('already exists');
    const inline = 'mcp_servers = { a = { command = "x" } }\n';
    expect(() => addMcpServer(inline, 'b', { command: 'y' })).toThrow(ConfigEditError);
    expect(() => addMcpServer('model = ', 'b', { command: 'y' })).toThrow('not valid TOML');
  });

  it('remove a server with its sub-tables and the comment above it, keeping the rest', () => {
    const edited = removeMcpServer(CONFIG, 'github');
    expect(edited).toBe(`# My Spool configuration
model = "gpt-5"   # the usual one

# The docs server, over HTTP
[mcp_servers.docs]
url = "https://example.com/mcp"

[profiles.fast]
model = "gpt-5-mini"
`);
  });

  it('remove the last server and leave the tables after it alone', () => {
    const edited = removeMcpServer(CONFIG, 'docs');
    expect(edited).toContain(
      '[mcp_servers.github.env]\nGITHUB_TOKEN = "ghp_secret"   # rotate monthly\n\n[profiles.fast]',
    );
    expect(edited).not.toContain('docs');
    expect(Object.keys((parse(edited) as { mcp_servers: object }).mcp_servers)).toEqual(['github']);
  });

  it('find quoted header keys, and an add followed by a remove gives the file back', () => {
    const quoted =
      'model = "m"\n\n[mcp_servers."x-y"]\ncommand = "a"\n\n[mcp_servers.\'x-y\'.env]\nA = "1"\n';
    expect(removeMcpServer(quoted, 'x-y')).toBe('model = "m"\n');
    expect(removeMcpServer(addMcpServer(CONFIG, 'tmp', { command: 'a', args: ['b'] }), 'tmp')).toBe(CONFIG);
  });

  it('refuse to remove a server written inline or with dotted keys, and a missing one', () => {
    expect(() => removeMcpServer('[mcp_servers]\na = { command = "x" }\n', 'a')).toThrow(
      'is not written as a [mcp_servers.a] table',
    );
    expect(() => removeMcpServer('mcp_servers.a.command = "x"\n', 'a')).toThrow(ConfigEditError);
    expect(() => removeMcpServer(CONFIG, 'nope')).toThrow('no MCP server named "nope"');
  });
});
