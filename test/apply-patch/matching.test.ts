import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../src/tools/apply-patch/parser.js';
import { seekSequence } from '../../src/tools/apply-patch/seek.js';
import { applyChunks } from '../../src/tools/apply-patch/update.js';

/** Applies an update patch body (the lines after `*** Update File: f`) to `content`. */
function update(content: string, body: string) {
  const parsed = parsePatch(`*** Begin Patch\n*** Update File: f.txt\n${body}\n*** End Patch`);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const hunk = parsed.value.hunks[0];
  if (hunk?.type !== 'update') throw new Error('not an update');
  return applyChunks(content, hunk.chunks, 'f.txt');
}

function updated(content: string, body: string): string {
  const result = update(content, body);
  if (!result.ok) throw new Error(result.error);
  return result.content;
}

describe('seekSequence levels', () => {
  it('matches exactly first', () => {
    expect(seekSequence(['foo', 'bar', 'baz'], ['bar', 'baz'], 0, false)).toEqual({
      index: 1,
      level: 'exact',
    });
  });

  it('then ignoring trailing whitespace', () => {
    expect(seekSequence(['foo   ', 'bar\t\t'], ['foo', 'bar'], 0, false)).toEqual({
      index: 0,
      level: 'trim-end',
    });
  });

  it('then ignoring surrounding whitespace', () => {
    expect(seekSequence(['    foo   ', '   bar\t'], ['foo', 'bar'], 0, false)).toEqual({
      index: 0,
      level: 'trim',
    });
  });

  it('then with typographic punctuation normalised', () => {
    const lines = ['const s = \u201Chello\u201D; // it\u2019s \u2014 fine', 'a\u00A0b'];
    expect(seekSequence(lines, ['const s = "hello"; // it\'s - fine', 'a b'], 0, false)).toEqual({
      index: 0,
      level: 'punctuation',
    });
  });

  it('prefers an exact match later in the file over a fuzzy one earlier', () => {
    expect(seekSequence(['  x', 'x'], ['x'], 0, false)).toEqual({ index: 1, level: 'exact' });
  });

  it('starts at `start`, handles patterns longer than the file, and anchors EOF patterns at the end', () => {
    expect(seekSequence(['a', 'b', 'a'], ['a'], 1, false)?.index).toBe(2);
    expect(seekSequence(['one'], ['too', 'many'], 0, false)).toBeUndefined();
    expect(seekSequence(['a', 'b', 'a', 'b'], ['a', 'b'], 0, true)?.index).toBe(2);
    expect(seekSequence(['a', 'b', 'c'], ['a', 'b'], 0, true)).toBeUndefined();
    expect(seekSequence(['a'], [], 0, false)).toEqual({ index: 0, level: 'exact' });
  });
});

describe('applying update chunks', () => {
  it('replaces lines, keeping the file around them', () => {
    expect(updated('a\nb\nc\n', '@@\n a\n-b\n+B\n c')).toBe('a\nB\nc\n');
  });

  it('keeps context lines as the file has them when they matched fuzzily', () => {
    expect(
      updated('def f():\n    x = 1   \n    return x\n', '@@\n def f():\n-x = 1\n+    x = 2\n return x'),
    ).toBe('def f():\n    x = 2\n    return x\n');
  });

  it('preserves CRLF endings and gives added lines the file\u2019s ending', () => {
    expect(updated('one\r\ntwo\r\nthree\r\n', '@@\n-one\n+ONE\n two\n+between\n three')).toBe(
      'ONE\r\ntwo\r\nbetween\r\nthree\r\n',
    );
  });

  it('preserves mixed endings line by line', () => {
    expect(updated('one\r\ntwo\rthree\nfour\r\n', '@@\n one\n two\n-three\n+THREE\n four')).toBe(
      'one\r\ntwo\rTHREE\r\nfour\r\n',
    );
    expect(updated('a\nb\r\nc\n', '@@\n a\n-b\n+B\n c')).toBe('a\nB\nc\n');
  });

  it('ends the file with a newline', () => {
    expect(updated('no newline at end', '@@\n-no newline at end\n+first line\n+second line')).toBe(
      'first line\nsecond line\n',
    );
    expect(updated('a\nlast', '@@\n-a\n+A')).toBe('A\nlast\n');
  });

  it('keeps a byte order mark out of matching and in the file', () => {
    expect(updated('\uFEFFfirst\nsecond\n', '@@\n-first\n+FIRST')).toBe('\uFEFFFIRST\nsecond\n');
  });

  it('appends a pure addition at the end (before a final blank line), as Codex does', () => {
    expect(updated('line1\nline2\n', '@@\n+added line 1\n+added line 2')).toBe(
      'line1\nline2\nadded line 1\nadded line 2\n',
    );
    expect(updated('a\n\n', '@@\n+b')).toBe('a\nb\n\n');
    expect(updated('', '@@\n+first')).toBe('first\n');
  });

  it('finds @@ anchors in order, nested ones narrowing the search', () => {
    const file = 'class A:\n    def f(self):\n        pass\nclass B:\n    def f(self):\n        pass\n';
    expect(updated(file, '@@ class B:\n@@     def f(self):\n-        pass\n+        return 2')).toBe(
      'class A:\n    def f(self):\n        pass\nclass B:\n    def f(self):\n        return 2\n',
    );
  });

  it('applies chunks in file order, each after the previous', () => {
    expect(updated('x\ny\nx\ny\n', '@@\n-x\n+1\n@@\n-x\n+2')).toBe('1\ny\n2\ny\n');
  });

  it('matches an End of File chunk at the end only', () => {
    expect(
      updated('first\nsecond\nfirst\nsecond\n', '@@\n first\n-second\n+second updated\n*** End of File'),
    ).toBe('first\nsecond\nfirst\nsecond updated\n');
    const result = update('x\ny\nz\n', '@@\n-x\n+X\n*** End of File');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("marked '*** End of File'");
  });

  it('retries without a trailing empty context line', () => {
    expect(updated('a\nb\n', '@@\n-b\n+c\n')).toBe('a\nc\n');
    const parsed = parsePatch('*** Begin Patch\n*** Update File: f\n@@\n-b\n+c\n \n*** End Patch');
    expect(parsed.ok).toBe(true);
  });

  it('names the file and the missing lines, and points at the closest region', () => {
    const file = ['import os', 'def greet(name):', '    print("Hi", name)', '    return name', 'x = 1'].join(
      '\n',
    );
    const result = update(file, '@@\n def greet():\n-    print("Hi")\n+    print("Hello")');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe(
      [
        'Failed to find expected lines in f.txt:',
        'def greet():',
        '    print("Hi")',
        '',
        'The closest match in f.txt is lines 2-3, which currently reads:',
        '2 | def greet(name):',
        '3 |     print("Hi", name)',
      ].join('\n'),
    );
  });

  it('says when nothing in the file is similar', () => {
    const result = update('alpha\nbeta\n', '@@\n-zzzzzz\n+q');
    expect(!result.ok && result.error).toBe(
      'Failed to find expected lines in f.txt:\nzzzzzz\n\nNo similar lines were found in f.txt; read the file again before retrying.',
    );
  });

  it('says when the lines exist only before an earlier match', () => {
    const result = update('a\nb\nc\nd\n', '@@\n-c\n+C\n@@\n-a\n+A');
    expect(!result.ok && result.error).toContain(
      'These lines are at lines 1-1 of f.txt, before the place an earlier @@ context or chunk matched (line 3)',
    );
  });

  it('reports a missing @@ anchor with the closest line', () => {
    const result = update('class Foo:\n    pass\n', '@@ class Fooo:\n-    pass\n+    x = 1');
    expect(!result.ok && result.error).toBe(
      "Failed to find context 'class Fooo:' in f.txt\n\nThe closest match in f.txt is line 1, which currently reads:\n1 | class Foo:",
    );
  });
});
