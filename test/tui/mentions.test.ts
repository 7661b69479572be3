/** `@` mentions: the repository's files and the fuzzy match over them. */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostGit } from '../../src/sandbox/host-git.js';
import { FileIndex, fuzzyFind, walkFiles } from '../../src/tui/view/mentions.js';
import { tempDir } from '../support/thread.js';

function write(root: string, files: string[]): void {
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), file);
  }
}

describe('fuzzy file search', () => {
  const files = [
    'src/tui/app/app.ts',
    'src/app-server/server.ts',
    'docs/tui.md',
    'test/tui/app.test.ts',
    'README.md',
    'src/agent/turn.ts',
  ];

  it('ranks file-name and word-start matches first', () => {
    expect(
      fuzzyFind('app', files)
        .map((m) => m.path)
        .slice(0, 2),
    ).toEqual(['src/tui/app/app.ts', 'test/tui/app.test.ts']);
    expect(fuzzyFind('tuimd', files)[0]?.path).toBe('docs/tui.md');
    expect(fuzzyFind('readme', files)[0]?.path).toBe('README.md');
    expect(fuzzyFind('zzz', files)).toEqual([]);
  });

  it('returns at most the limit', () => {
    expect(fuzzyFind('', files, 3)).toHaveLength(3);
  });
});

describe('FileIndex', () => {
  it('lists a repository with git ls-files (ignored files left out, untracked ones in)', async () => {
    const root = tempDir();
    execFileSync('git', ['init', '-q', root]);
    write(root, ['src/a.ts', 'ignored/x.log', 'new.txt', '.gitignore']);
    fs.writeFileSync(path.join(root, '.gitignore'), 'ignored/\n');
    execFileSync('git', ['add', 'src/a.ts', '.gitignore'], { cwd: root });
    const listed = await new FileIndex(root, HostGit.pin(root)).files();
    expect(listed.sort()).toEqual(['.gitignore', 'new.txt', 'src/a.ts']);
  });

  it('walks a folder outside git, skipping hidden and build folders, up to a limit', async () => {
    const root = tempDir();
    write(root, [
      'a.txt',
      'deep/b/c.txt',
      '.hidden/h.txt',
      'node_modules/m/index.js',
      ...Array.from({ length: 30 }, (_, i) => `many/f${i}.txt`),
    ]);
    const all = await walkFiles(root);
    expect(all).toContain('deep/b/c.txt');
    expect(all.some((f) => f.startsWith('.hidden') || f.startsWith('node_modules'))).toBe(false);
    expect(await walkFiles(root, 10)).toHaveLength(10);
  });
});
