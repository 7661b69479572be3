import { describe, expect, it } from 'vitest';
import { isValidServerName, qualifiedToolName, qualifyToolNames } from '../../src/tools/mcp/naming.js';

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('MCP tool names', () => {
  it('are mcp__<server>__<tool>, with characters providers refuse replaced', () => {
    expect(qualifiedToolName('github', 'create_issue')).toBe('mcp__github__create_issue');
    expect(qualifiedToolName('everything', 'get-sum')).toBe('mcp__everything__get-sum');
    expect(qualifiedToolName('my server', 'files.read/v2')).toBe('mcp__my_server__files_read_v2');
    expect(qualifiedToolName('s', 'ünïcødé')).toBe('mcp__s___n_c_d_');
  });

  it('are cut to 64 characters with a stable hash of the raw name', () => {
    const long = qualifiedToolName('server', 'a'.repeat(100));
    expect(long).toMatch(VALID);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^mcp__server__a+_[0-9a-f]{8}$/);
    expect(qualifiedToolName('server', 'a'.repeat(100))).toBe(long);
    // Two names that share their first 64 characters stay distinct.
    expect(qualifiedToolName('server', `${'a'.repeat(100)}x`)).not.toBe(long);
  });

  it('stay unique when raw names sanitise alike, whatever order the server lists them in', () => {
    const refs = [
      { server: 's', tool: 'read_file' },
      { server: 's', tool: 'read.file' },
      { server: 's', tool: 'read file' },
    ];
    const names = qualifyToolNames(refs);
    const reversed = qualifyToolNames([...refs].reverse());
    expect([...names.entries()].sort()).toEqual([...reversed.entries()].sort());
    const values = [...names.values()];
    expect(new Set(values).size).toBe(3);
    for (const name of values) expect(name).toMatch(VALID);
    // The raw-name order decides who keeps the plain name: "read file" < "read.file" < "read_file".
    expect(names.get('s\u0000read file')).toBe('mcp__s__read_file');
  });

  it('accept only TOML-friendly server names for `spool mcp add`', () => {
    expect(isValidServerName('github')).toBe(true);
    expect(isValidServerName('my-server_2')).toBe(true);
    expect(isValidServerName('my server')).toBe(false);
    expect(isValidServerName('a.b')).toBe(false);
    expect(isValidServerName('')).toBe(false);
  });
});
