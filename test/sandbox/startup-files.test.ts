/** How an approved command runs outside the sandbox without startup files a sandbox could have written. */
import { describe, expect, it } from 'vitest';
import { withoutWritableStartupFiles } from '../../src/sandbox/approval/startup-files.js';

const roots = ['/work/repo', '/tmp'];
const run = (argv: string[], env: NodeJS.ProcessEnv) =>
  withoutWritableStartupFiles(argv, { env, writableRoots: roots });

describe('startup files', () => {
  it('a login shell with HOME inside a writable root runs as a plain shell', () => {
    for (const home of ['/work/repo', '/work/repo/home', '/tmp/home']) {
      expect(run(['/bin/bash', '-lc', 'make'], { HOME: home }).argv).toEqual(['/bin/bash', '-c', 'make']);
      expect(run(['bash', '-l', '-c', 'make'], { HOME: home }).argv).toEqual(['bash', '-c', 'make']);
      expect(run(['bash', '--login', '-c', 'make'], { HOME: home }).argv).toEqual(['bash', '-c', 'make']);
      expect(run(['sh', '-elc', 'make'], { HOME: home }).argv).toEqual(['sh', '-ec', 'make']);
    }
    const result = run(['/bin/bash', '-lc', 'make'], { HOME: '/tmp/home' });
    expect(result.changes).toEqual([expect.stringMatching(/HOME \(\/tmp\/home\).*not run as a login shell/)]);
  });

  it('the script itself is left alone, even when it looks like an option', () => {
    expect(run(['bash', '-lc', '-l'], { HOME: '/tmp' }).argv).toEqual(['bash', '-c', '-l']);
    expect(run(['bash', '-c', 'echo -l'], { HOME: '/tmp' }).argv).toEqual(['bash', '-c', 'echo -l']);
  });

  it('interactive bash reads no ~/.bashrc; zsh reads no startup files', () => {
    expect(run(['bash', '-i'], { HOME: '/tmp/h' }).argv).toEqual(['bash', '--norc', '-i']);
    expect(run(['zsh', '-lc', 'make'], { HOME: '/tmp/h' }).argv).toEqual(['zsh', '-f', '-lc', 'make']);
    expect(run(['zsh', '-c', 'make'], { HOME: '/home/me', ZDOTDIR: '/tmp/z' }).argv).toEqual([
      'zsh',
      '-f',
      '-c',
      'make',
    ]);
  });

  it('BASH_ENV and ENV inside a writable root are unset, for any program', () => {
    const result = run(['make'], {
      HOME: '/home/me',
      BASH_ENV: '/work/repo/.env.sh',
      ENV: '/etc/shrc',
      PATH: '/bin',
    });
    expect(result.env).toEqual({ HOME: '/home/me', ENV: '/etc/shrc', PATH: '/bin' });
    expect(result.changes).toEqual([expect.stringMatching(/\$BASH_ENV/)]);
  });

  it('a HOME outside the writable roots changes nothing', () => {
    expect(run(['/bin/bash', '-lc', 'make'], { HOME: '/home/me' })).toEqual({
      argv: ['/bin/bash', '-lc', 'make'],
      env: { HOME: '/home/me' },
      changes: [],
    });
    // Paths are compared physically (a HOME that is a symlink into a root counts).
    const linked = withoutWritableStartupFiles(['bash', '-lc', 'x'], {
      env: { HOME: '/home/link' },
      writableRoots: roots,
      resolve: (p) => (p === '/home/link' ? '/work/repo' : p),
    });
    expect(linked.argv).toEqual(['bash', '-c', 'x']);
  });
});
