import { describe, expect, it } from 'vitest';
import { buildSeatbeltProfile, SANDBOX_EXEC, seatbeltArgv } from '../../src/sandbox/macos/seatbelt.js';

type Sexp = string | Sexp[];

/** A small reader for the profile's S-expressions (strings keep their quotes; comments dropped). */
function readProfile(text: string): Sexp[] {
  const tokens = text.replace(/;[^\n]*/g, '').match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()]+/g) as string[];
  let pos = 0;
  const read = (): Sexp => {
    const token = tokens[pos++];
    if (token === undefined) throw new Error('unexpected end');
    if (token === ')') throw new Error('unbalanced )');
    if (token !== '(') return token;
    const list: Sexp[] = [];
    while (tokens[pos] !== ')') {
      if (pos >= tokens.length) throw new Error('unbalanced (');
      list.push(read());
    }
    pos++;
    return list;
  };
  const forms: Sexp[] = [];
  while (pos < tokens.length) forms.push(read());
  return forms;
}

function rulesOf(forms: Sexp[], head: string): Sexp[][] {
  return forms.filter((f): f is Sexp[] => Array.isArray(f) && f[0] === head);
}

const policy = {
  writableRoots: [
    {
      root: '/Users/me/repo',
      excluded: ['/Users/me/repo/.git', '/Users/me/repo/.spool', '/Users/me/repo/.agents'],
    },
    { root: '/private/tmp', excluded: ['/private/tmp/.git', '/private/tmp/spool-home'] },
  ],
  networkAccess: false,
};

describe('buildSeatbeltProfile', () => {
  it('is well formed and denies by default', () => {
    const forms = readProfile(buildSeatbeltProfile(policy).profile);
    expect(forms[0]).toEqual(['version', '1']);
    expect(forms[1]).toEqual(['deny', 'default']);
    expect(rulesOf(forms, 'allow').some((r) => r[1] === 'file-read*')).toBe(true);
  });

  it('allows writes only under the roots, minus every protected path, through parameters', () => {
    const { profile, params } = buildSeatbeltProfile(policy);
    const forms = readProfile(profile);
    const writes = rulesOf(forms, 'allow').filter((r) => r[1] === 'file-write*');
    expect(writes).toHaveLength(1);
    expect(writes[0]?.slice(2)).toEqual([
      [
        'require-all',
        ['subpath', ['param', '"WRITABLE_ROOT_0"']],
        ['require-not', ['subpath', ['param', '"WRITABLE_ROOT_0_RO_0"']]],
        ['require-not', ['subpath', ['param', '"WRITABLE_ROOT_0_RO_1"']]],
        ['require-not', ['subpath', ['param', '"WRITABLE_ROOT_0_RO_2"']]],
      ],
      [
        'require-all',
        ['subpath', ['param', '"WRITABLE_ROOT_1"']],
        ['require-not', ['subpath', ['param', '"WRITABLE_ROOT_1_RO_0"']]],
        ['require-not', ['subpath', ['param', '"WRITABLE_ROOT_1_RO_1"']]],
      ],
    ]);
    expect(params).toEqual([
      ['WRITABLE_ROOT_0', '/Users/me/repo'],
      ['WRITABLE_ROOT_0_RO_0', '/Users/me/repo/.git'],
      ['WRITABLE_ROOT_0_RO_1', '/Users/me/repo/.spool'],
      ['WRITABLE_ROOT_0_RO_2', '/Users/me/repo/.agents'],
      ['WRITABLE_ROOT_1', '/private/tmp'],
      ['WRITABLE_ROOT_1_RO_0', '/private/tmp/.git'],
      ['WRITABLE_ROOT_1_RO_1', '/private/tmp/spool-home'],
    ]);
    // No path is spliced into the profile text.
    expect(profile).not.toContain('/Users/me');
    expect(profile).not.toContain('/private/tmp');
  });

  it('read-only: no write rule beyond device files', () => {
    const forms = readProfile(buildSeatbeltProfile({ writableRoots: [], networkAccess: false }).profile);
    expect(rulesOf(forms, 'allow').filter((r) => r[1] === 'file-write*')).toEqual([]);
    const devices = rulesOf(forms, 'allow').filter((r) => r[1] === 'file-write-data');
    expect(devices.flat(3)).toContain('"/dev/null"');
  });

  it('network only when the policy allows it', () => {
    const off = readProfile(buildSeatbeltProfile(policy).profile);
    expect(rulesOf(off, 'allow').some((r) => String(r[1]).startsWith('network'))).toBe(false);
    expect(rulesOf(off, 'allow').some((r) => r[1] === 'system-socket')).toBe(false);
    const on = readProfile(buildSeatbeltProfile({ ...policy, networkAccess: true }).profile);
    for (const op of ['network-outbound', 'network-inbound', 'system-socket'])
      expect(rulesOf(on, 'allow').some((r) => r[1] === op)).toBe(true);
  });

  it('builds the sandbox-exec argument list with -D parameters before the command', () => {
    const profile = buildSeatbeltProfile(policy);
    const argv = seatbeltArgv(profile, ['ls', '-la']);
    expect(argv[0]).toBe(SANDBOX_EXEC);
    expect(argv.slice(1, 3)).toEqual(['-p', profile.profile]);
    expect(argv).toContain('-DWRITABLE_ROOT_0=/Users/me/repo');
    expect(argv.slice(-3)).toEqual(['--', 'ls', '-la']);
  });
});
