import { describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/sandbox/approval/command-analysis.js';
import { isKnownSafeCommand, isPrintOnlySedScript } from '../../src/sandbox/approval/safe-commands.js';

const bash = (script: string) => ['bash', '-lc', script];
const plainOf = async (argv: string[]) => (await analyzeCommand(argv)).plain;
const unknown = { unknown: true, prefix: '' };

describe('the plain reading', () => {
  it('splits plain scripts into the commands that run, words unquoted', async () => {
    expect(await plainOf(bash(`git status && ls -la 'my dir' | wc -l; echo "a b"`))).toEqual([
      ['git', 'status'],
      ['ls', '-la', 'my dir'],
      ['wc', '-l'],
      ['echo', 'a b'],
    ]);
    expect(await plainOf(['sh', '-c', 'pwd'])).toEqual([['pwd']]);
    expect(await plainOf(['bash', '-l', '-c', 'pwd # where am I'])).toEqual([['pwd']]);
    expect(await plainOf(['ls', '$HOME'])).toEqual([['ls', '$HOME']]);
    // Harmless redirections, inert expansions and transparent wrappers keep it plain.
    expect(await plainOf(bash('grep -rn x . 2>/dev/null | head -n 3 2>&1'))).toEqual([
      ['grep', '-rn', 'x', '.'],
      ['head', '-n', '3'],
    ]);
    expect(await plainOf(bash('cat < notes.txt'))).toEqual([['cat']]);
    expect(await plainOf(bash('ls $HOME'))).toEqual([['ls', { ...unknown, splits: true }]]);
    expect(await plainOf(bash('timeout 5 cat x'))).toEqual([['cat', 'x']]);
  });

  it('refuses anything that is not plain commands', async () => {
    for (const script of [
      'echo hi > f',
      'echo hi >> f',
      'echo hi &> f',
      'cat <> f',
      'echo $(whoami)',
      'echo `id`',
      'echo <(id)',
      'echo $((1+2))',
      ['echo $', '{HOME:=x}'].join(''),
      ['echo $', '{HOME@P}'].join(''),
      '(ls)',
      '{ ls; }',
      'ls &',
      'sleep 1 & ls',
      'FOO=1 ls',
      'ls |& cat',
      '! ls',
      'if true; then ls; fi',
      'for f in a; do ls; done',
      'f() { ls; }; f',
      'cat <<EOF\n$(id)\nEOF',
      'ls "',
      '',
    ]) {
      expect(await plainOf(bash(script)), script).toBeUndefined();
    }
  });
});

describe('isKnownSafeCommand', () => {
  const safe = async (argv: string[]) => isKnownSafeCommand(argv);

  it('accepts read-only commands, alone or joined', async () => {
    for (const argv of [
      ['ls', '-la'],
      ['cat', 'README.md'],
      bash('pwd && ls src | head -n 20; wc -l package.json'),
      bash('grep -rn "TODO" src || true'),
      ['find', '.', '-name', '*.ts', '-type', 'f'],
      ['rg', '-n', 'foo', 'src'],
      ['sed', '-n', '1,20p', 'file.txt'],
      ['sed', '-n', '5p'],
      ['sed', '-n', '/^export/p', 'src/a.ts'],
      ['sed', '-n', '1p;$p', 'f'],
      ['sed', '-n', '-e', '3,+2p', 'f'],
      ['sed', '--sandbox', 's/a/b/g', 'f'],
      ['base64', '-d', 'x.b64'],
      ['git', 'rev-parse', '--show-toplevel'],
      ['git', '--no-pager', 'ls-tree', 'HEAD'],
      ['git', '-C', 'sub', 'cat-file', '-p', 'HEAD'],
      ['git', 'branch', '--show-current'],
      ['git', 'branch', '-a', '-v'],
      ['git', 'tag'],
      ['git', 'config', '--get', 'user.name'],
      ['sort', '-u', 'x'],
      ['sort', '-t', 'o', '-k', '2', 'x'],
      ['uniq', '-c', 'x'],
      ['date', '+%Y'],
      // Read-only commands with globs, variables and harmless redirections (over-blocking is a failure).
      bash('ls -la src/*.ts'),
      bash('cat "$HOME/notes.txt" | wc -l'),
      bash('head -n 5 *.md 2>/dev/null'),
      bash('tail -f log.txt'),
      bash('grep -rn "TODO" src 2>&1 | head'),
      bash('pwd; ls ~'),
      bash('rg -n "fn main" --type rust | head -20'),
      bash('cat package.json | grep version'),
      bash("sed -n '10,20p' src/a.ts | cat -n"),
      bash('wc -l < src/a.ts'),
      bash('find . -name "*.ts" | xargs grep -l foo'),
      bash('timeout 10 grep -r x .'),
    ]) {
      expect(await safe(argv), argv.join(' ')).toBe(true);
    }
  });

  it('refuses writers, runners and the approval-bypass shapes', async () => {
    for (const argv of [
      bash('ls && rm -rf x'),
      bash('echo $(rm -rf x)'),
      bash('ls > out.txt'),
      bash('cat x >> y'),
      ['find', '.', '-exec', 'rm', '{}', ';'],
      ['find', '.', '-execdir', 'sh', '-c', 'x', ';'],
      ['find', '.', '-delete'],
      ['find', '.', '-fprint', 'out'],
      ['find', '.', '-fprintf', 'out', '%p'],
      ['find', '.', '-ok', 'rm', '{}', ';'],
      bash('find . -name x | xargs rm'),
      ['xargs', 'rm'],
      ['rg', '--pre', 'sh', 'x'],
      ['rg', '--pre=./evil', 'x'],
      ['rg', '-z', 'x'],
      ['rg', '--search-zip', 'x'],
      ['sed', '-i', 's/a/b/', 'f'],
      ['sed', 's/a/b/w out', 'f'],
      ['sed', '-n', '1e id', 'f'],
      ['rg', '-iz', 'x'],
      ['rg', '--hostname-bin=./x', 'x'],
      ['sed', '-n', 'w out', 'f'],
      ['sed', '-n', '1w out', 'f'],
      ['sed', '-n', 's/a/b/p', 'f'],
      ['sed', '-n', '-i', '1p', 'f'],
      ['sed', '-n', '-f', 'script.sed', 'f'],
      ['sed', '--sandbox', '-i', 's/a/b/', 'f'],
      ['base64', '-o', 'out', 'in'],
      ['base64', '--output=out', 'in'],
      // Every spelling of an option that writes a file or runs a program.
      ['sort', '-o', 'out', 'in'],
      ['sort', '-oout', 'in'],
      ['sort', '-uo', 'out', 'in'],
      ['sort', '--output=out', 'in'],
      ['sort', '--output', 'out', 'in'],
      ['sort', '--out=out', 'in'],
      ['sort', '--o', 'out', 'in'],
      ['sort', '--compress-program=sh', 'in'],
      ['sort', '--compress-prog', 'sh', 'in'],
      ['uniq', 'in', 'out'],
      ['uniq', '-c', 'in', 'out'],
      ['tree', '-o', 'out'],
      ['tree', '-ao', 'out'],
      ['file', '-C'],
      ['file', '--comp'],
      ['date', '--set=2020-01-01'],
      ['date', '--se', '2020-01-01'],
      ['date', '010203042020'],
      ['git', 'push'],
      ['git', 'commit', '-m', 'x'],
      ['git', '-c', 'core.pager=sh', 'log'],
      ['git', 'diff', '--output=/tmp/x'],
      ['git', 'diff', '--ext-diff'],
      ['git', 'grep', '-Ovim', 'x'],
      ['git', 'grep', '--open', 'x'],
      ['git', 'grep', '--open-files-in-pager', 'x'],
      ['git', 'grep', '-O', 'x'],
      ['git', 'grep', 'x'],
      ['git', 'cat-file', '--textconv', 'HEAD:a'],
      ['git', 'cat-file', '--filters', 'HEAD:a'],
      ['git', 'describe', '--dirty'],
      ['git', 'tag', '-v', 'v1'],
      ['git', 'tag', '-l', '--format=%(signature)'],
      ['git', 'branch', '--format=%(signature)'],
      ['git', '--git-dir=/tmp/evil/.git', 'rev-parse', 'HEAD'],
      ['git', '--exec-path=/tmp', 'rev-parse'],
      ['git', 'branch', 'new-branch'],
      ['git', 'branch', '-D', 'main'],
      ['git', 'tag', 'v1'],
      ['git', 'config', 'user.name', 'x'],
      ['git', 'remote', 'add', 'o', 'url'],
      ['date', '-s', '2020-01-01'],
      ['hostname', 'evil'],
      ['env', 'ls'],
      ['sudo', 'ls'],
      ['/bin/ls'],
      ['bash', '-lc', 'FOO=1 ls'],
      ['bash', '-lc', 'ls &'],
      ['tee', 'x'],
      ['rm', 'x'],
      ['npm', 'test'],
      ['bash'],
      ['bash', '-lc'],
      ['./ls'],
      bash('$LS'),
      bash('cat x | sh'),
      bash('ls; sh -c "$X"'),
    ]) {
      expect(await safe(argv), argv.join(' ')).toBe(false);
    }
  });

  it('untrusted: git commands that may run programs the repository configures are not known-safe', async () => {
    // fsmonitor on reading the index, textconv/external diff drivers, clean filters, pagers, gpg.
    for (const argv of [
      ['git', 'status'],
      ['git', 'log'],
      ['git', 'log', '--oneline', '-5'],
      ['git', 'diff'],
      ['git', 'diff', '--no-ext-diff'],
      ['git', 'show', 'HEAD'],
      ['git', 'blame', 'a.ts'],
      ['git', 'ls-files'],
      ['git', 'shortlog'],
      bash('git status && ls'),
    ]) {
      expect(await safe(argv), argv.join(' ')).toBe(false);
    }
  });
});

describe('sed scripts that only print', () => {
  it('accepts addressed print, line-number and quit commands', () => {
    for (const script of [
      'p',
      '5p',
      '1,20p',
      '$p',
      '1~2p',
      '/x/p',
      '/a\\/b/,/c/p',
      '3,+4p',
      '1!p',
      '10q',
      '=',
      '1p;2p',
      '1p\n$p',
      '/x/Ip',
    ]) {
      expect(isPrintOnlySedScript(script), script).toBe(true);
    }
  });
  it('refuses everything else', () => {
    for (const script of [
      '',
      's/a/b/',
      'w out',
      '1w out',
      'e id',
      '1e id',
      'r /etc/passwd',
      '1p w x',
      '{p}',
      'p;w x',
      '/x',
      'y/a/b/',
    ]) {
      expect(isPrintOnlySedScript(script), script).toBe(false);
    }
  });
});
