import { describe, expect, it } from 'vitest';
import { dangerousCommandReason, dangerousReason, everyCommand } from '../../src/sandbox/approval/index.js';

const context = { cwd: '/work/repo', writableRoots: ['/work/repo', '/tmp'] };
const reason = (words: (string | undefined)[]) => dangerousCommandReason(words, context);

describe('dangerous commands', () => {
  it('flags forced recursive deletes outside the writable roots, or of a root itself', () => {
    expect(reason(['rm', '-rf', '/'])).toMatch(/forced recursive delete of \/, outside/);
    expect(reason(['rm', '-fr', '../other'])).toMatch(/\/work\/other/);
    expect(reason(['rm', '-r', '-f', '/home/me'])).toMatch(/\/home\/me/);
    expect(reason(['rm', '--recursive', '--force', '.'])).toMatch(/\/work\/repo, outside/);
    expect(reason(['rm', '-Rf', '/tmp'])).toBeDefined();
    expect(reason(['rm', '-rf', undefined])).toMatch(/expands/);
    expect(reason(['sudo', 'rm', '-rf', '/var/lib'])).toBeDefined();
    expect(reason(['xargs', '-0', 'rm', '-rf', '/etc'])).toBeDefined();
    expect(reason(['timeout', '5', 'rm', '-rf', '/etc'])).toBeDefined();
    expect(reason(['env', 'A=1', 'rm', '-rf', '/etc'])).toBeDefined();
    expect(reason(['chmod', '-R', '777', '/'])).toMatch(/recursive chmod/);
  });

  it('leaves deletes inside the roots and non-forced ones alone', () => {
    expect(reason(['rm', '-rf', 'build'])).toBeUndefined();
    expect(reason(['rm', '-rf', '/tmp/scratch'])).toBeUndefined();
    expect(reason(['rm', '-r', '/etc'])).toBeUndefined();
    expect(reason(['rm', '-f', '/etc/x'])).toBeUndefined();
    expect(reason(['rm', '-rf', '--', 'dist'])).toBeUndefined();
    expect(reason(['chmod', '-R', 'u+w', 'src'])).toBeUndefined();
  });

  it('flags force pushes, remote deletion and work-destroying git commands', () => {
    for (const words of [
      ['git', 'push', '--force'],
      ['git', 'push', '-f', 'origin', 'main'],
      ['git', 'push', '--force-with-lease'],
      ['git', 'push', 'origin', '+main'],
      ['git', 'push', 'origin', ':old'],
      ['git', 'push', '--delete', 'origin', 'x'],
      ['git', '-C', 'repo', 'push', '--force'],
      ['git', 'reset', '--hard', 'HEAD~3'],
      ['git', 'clean', '-fdx'],
    ]) {
      expect(reason(words), words.join(' ')).toBeDefined();
    }
    expect(reason(['git', 'push', 'origin', 'main'])).toBeUndefined();
    expect(reason(['git', 'reset', 'HEAD~1'])).toBeUndefined();
  });

  it('flags device writes, formatting and power commands', () => {
    expect(reason(['dd', 'if=/dev/zero', 'of=/dev/sda'])).toBeDefined();
    expect(reason(['mkfs.ext4', '/dev/sdb1'])).toBeDefined();
    expect(reason(['shutdown', '-h', 'now'])).toBeDefined();
    expect(reason(['dd', 'if=a', 'of=b'])).toBeUndefined();
  });

  it('finds dangerous commands anywhere in a script', async () => {
    for (const script of [
      'ls && rm -rf /',
      'echo $(rm -rf /etc)',
      '(cd / && rm -rf /usr) > log',
      'for x in a; do git push --force; done',
      'FOO=1 git push -f',
    ]) {
      const commands = await everyCommand(['bash', '-lc', script]);
      expect(dangerousReason(commands, context), script).toBeDefined();
    }
    expect(
      dangerousReason(await everyCommand(['bash', '-lc', 'make && rm -rf build']), context),
    ).toBeUndefined();
  });
});
