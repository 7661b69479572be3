import { describe, expect, it } from 'vitest';
import { isKnownSafeCommand, plainCommands } from '../../src/sandbox/approval/index.js';

const bash = (script: string) => ['bash', '-lc', script];

describe('plainCommands', () => {
  it('splits plain scripts into their commands, words unquoted', async () => {
    expect(await plainCommands(bash(`git status && ls -la 'my dir' | wc -l; echo "a b"`))).toEqual([
      ['git', 'status'],
      ['ls', '-la', 'my dir'],
      ['wc', '-l'],
      ['echo', 'a b'],
    ]);
    expect(await plainCommands(['sh', '-c', 'pwd'])).toEqual([['pwd']]);
    expect(await plainCommands(['bash', '-l', '-c', 'pwd # where am I'])).toEqual([['pwd']]);
    expect(await plainCommands(['ls', '$HOME'])).toEqual([['ls', '$HOME']]);
  });

  it('refuses anything that is not plain commands', async () => {
    for (const script of [
      'echo hi > f',
      'cat < f',
      'echo $(whoami)',
      'echo `id`',
      'echo $HOME',
      ['echo $', '{HOME}'].join(''),
      'ls *.ts',
      'ls ~',
      'echo {a,b}',
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
      'cat <<EOF\nx\nEOF',
      "echo $'\\x41'",
      'ls "',
      '',
    ]) {
      expect(await plainCommands(bash(script)), script).toBeUndefined();
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
      ['base64', '-d', 'x.b64'],
      ['git', 'status'],
      ['git', '--no-pager', 'log', '--oneline', '-5'],
      ['git', '-C', 'sub', 'diff', 'HEAD~1'],
      ['git', 'branch', '--show-current'],
      ['git', 'branch', '-a', '-v'],
      ['git', 'tag'],
      ['git', 'config', '--get', 'user.name'],
      ['sort', '-u', 'x'],
      ['uniq', '-c', 'x'],
      ['date', '+%Y'],
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
      ['base64', '-o', 'out', 'in'],
      ['base64', '--output=out', 'in'],
      ['sort', '-o', 'out', 'in'],
      ['uniq', 'in', 'out'],
      ['tree', '-o', 'out'],
      ['git', 'push'],
      ['git', 'commit', '-m', 'x'],
      ['git', '-c', 'core.pager=sh', 'log'],
      ['git', 'diff', '--output=/tmp/x'],
      ['git', 'diff', '--ext-diff'],
      ['git', 'grep', '-Ovim', 'x'],
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
    ]) {
      expect(await safe(argv), argv.join(' ')).toBe(false);
    }
  });
});
