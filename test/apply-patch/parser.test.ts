import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../src/tools/apply-patch/parser.js';
import type { PatchHunk } from '../../src/tools/apply-patch/types.js';

function hunks(text: string): PatchHunk[] {
  const result = parsePatch(text);
  if (!result.ok) throw new Error(`expected a valid patch, got: ${result.error.message}`);
  return result.value.hunks;
}

function errorOf(text: string): string {
  const result = parsePatch(text);
  if (result.ok) throw new Error('expected a parse error');
  return result.error.message;
}

const VALID_HEADERS =
  "Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'";

describe('parsePatch: error messages (worded as Codex words them, with line numbers)', () => {
  it('first line must be the begin marker', () => {
    expect(errorOf('bad')).toBe("Invalid patch: The first line of the patch must be '*** Begin Patch'");
  });

  it('last line must be the end marker', () => {
    expect(errorOf('*** Begin Patch\nbad')).toBe(
      "Invalid patch: The last line of the patch must be '*** End Patch'",
    );
    expect(errorOf('*** Begin Patch')).toBe(
      "Invalid patch: The last line of the patch must be '*** End Patch'",
    );
    expect(errorOf('')).toBe("Invalid patch: The last line of the patch must be '*** End Patch'");
  });

  it('rejects an unknown hunk header', () => {
    expect(errorOf('*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch')).toBe(
      `Invalid patch hunk on line 2: '*** Frobnicate File: foo' is not a valid hunk header. ${VALID_HEADERS}`,
    );
  });

  it('rejects a blank line where a hunk header is expected', () => {
    expect(errorOf('*** Begin Patch\n*** Delete File: a\n\n*** End Patch')).toBe(
      `Invalid patch hunk on line 3: '' is not a valid hunk header. ${VALID_HEADERS}`,
    );
  });

  it('rejects an empty update hunk', () => {
    expect(errorOf('*** Begin Patch\n*** Update File: test.py\n*** End Patch')).toBe(
      "Invalid patch hunk on line 2: Update file hunk for path 'test.py' is empty",
    );
  });

  it('rejects a chunk with no lines after its @@', () => {
    expect(errorOf('*** Begin Patch\n*** Update File: a\n@@\n*** End Patch')).toBe(
      'Invalid patch hunk on line 4: Update hunk does not contain any lines',
    );
    expect(errorOf('*** Begin Patch\n*** Update File: a\n@@\n*** End of File\n*** End Patch')).toBe(
      'Invalid patch hunk on line 4: Update hunk does not contain any lines',
    );
  });

  it('rejects an unexpected first line in a chunk', () => {
    expect(errorOf('*** Begin Patch\n*** Update File: a\n@@\nbad\n*** End Patch')).toBe(
      "Invalid patch hunk on line 4: Unexpected line found in update hunk: 'bad'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)",
    );
  });

  it('reports the real line of an unexpected line in a first chunk without @@', () => {
    expect(errorOf('*** Begin Patch\n*** Update File: a\nbad\n*** End Patch')).toBe(
      "Invalid patch hunk on line 3: Unexpected line found in update hunk: 'bad'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)",
    );
  });

  it('requires @@ before a second chunk', () => {
    const patch = '*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n\n*** Add File: b\n+b\n*** End Patch';
    expect(hunks(patch)).toHaveLength(2);
    // A line that is neither a diff line nor a header, after a chunk, must open a new chunk with @@.
    expect(
      errorOf('*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n*** End of File\nbad\n*** End Patch'),
    ).toBe(
      "Invalid patch hunk on line 7: Expected update hunk to start with a @@ context marker, got: 'bad'",
    );
  });

  it('counts line numbers from the begin marker through earlier hunks', () => {
    const patch = [
      '*** Begin Patch',
      '*** Add File: a.txt',
      '+one',
      '+two',
      '*** Delete File: b.txt',
      '*** Update File: c.txt',
      '@@',
      '-x',
      '+y',
      '*** Oops',
      '*** End Patch',
    ].join('\n');
    expect(errorOf(patch)).toBe(
      `Invalid patch hunk on line 10: '*** Oops' is not a valid hunk header. ${VALID_HEADERS}`,
    );
  });
});

describe('parsePatch: structure', () => {
  it('parses add, delete, update with move and an @@ anchor', () => {
    const patch = [
      '*** Begin Patch',
      '*** Add File: path/add.py',
      '+abc',
      '+def',
      '*** Delete File: path/delete.py',
      '*** Update File: path/update.py',
      '*** Move to: path/update2.py',
      '@@ def f():',
      '-    pass',
      '+    return 123',
      '*** End Patch',
    ].join('\n');
    expect(hunks(patch)).toEqual([
      { type: 'add', path: 'path/add.py', contents: 'abc\ndef\n', lineNumber: 2 },
      { type: 'delete', path: 'path/delete.py', lineNumber: 5 },
      {
        type: 'update',
        path: 'path/update.py',
        movePath: 'path/update2.py',
        lineNumber: 6,
        chunks: [
          {
            anchors: ['def f():'],
            isEndOfFile: false,
            lineNumber: 8,
            lines: [
              { op: 'remove', text: '    pass' },
              { op: 'add', text: '    return 123' },
            ],
          },
        ],
      },
    ]);
  });

  it('parses an empty patch as no hunks (the engine then reports that nothing changed)', () => {
    expect(hunks('*** Begin Patch\n*** End Patch')).toEqual([]);
  });

  it('treats an empty line inside a chunk as an empty context line, and reads the EOF marker', () => {
    const [hunk] = hunks(
      '*** Begin Patch\n*** Update File: a\n@@ ctx\n\n x\n-y\n+z\n*** End of File\n*** End Patch',
    );
    expect(hunk).toMatchObject({
      chunks: [
        {
          anchors: ['ctx'],
          isEndOfFile: true,
          lines: [
            { op: 'context', text: '' },
            { op: 'context', text: 'x' },
            { op: 'remove', text: 'y' },
            { op: 'add', text: 'z' },
          ],
        },
      ],
    });
  });

  it('allows the first chunk to omit @@', () => {
    const [hunk] = hunks('*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch');
    expect(hunk).toMatchObject({
      chunks: [
        {
          anchors: [],
          lines: [
            { op: 'context', text: 'import foo' },
            { op: 'add', text: 'bar' },
          ],
        },
      ],
    });
  });

  it('reads nested @@ anchors, outermost first', () => {
    const patch =
      '*** Begin Patch\n*** Update File: a.py\n@@ class A\n@@     def f(self):\n-        pass\n+        return 1\n*** End Patch';
    const [hunk] = hunks(patch);
    expect(hunk).toMatchObject({ chunks: [{ anchors: ['class A', '    def f(self):'] }] });
  });

  it('treats a unified-diff range header as a bare @@', () => {
    const [hunk] = hunks('*** Begin Patch\n*** Update File: a\n@@ -1,2 +1,2 @@\n-x\n+y\n*** End Patch');
    expect(hunk).toMatchObject({ chunks: [{ anchors: [] }] });
  });

  it('splits several chunks and skips blank lines between them', () => {
    const [hunk] = hunks('*** Begin Patch\n*** Update File: m\n@@\n-a\n+b\n@@\n-c\n+d\n*** End Patch');
    expect(hunk?.type === 'update' && hunk.chunks.map((c) => c.lineNumber)).toEqual([3, 6]);
  });

  it('accepts whitespace-padded markers and hunk headers', () => {
    expect(
      hunks(' *** Begin Patch\n  *** Update File: foo.txt\n@@\n-old\n+new\n*** End Patch '),
    ).toHaveLength(1);
    expect(hunks('*** Begin Patch \n*** Add File: x\n+1\n *** End Patch')).toHaveLength(1);
  });

  it('accepts CRLF patch text', () => {
    expect(hunks('*** Begin Patch\r\n*** Add File: x\r\n+1\r\n*** End Patch\r\n')).toEqual([
      { type: 'add', path: 'x', contents: '1\n', lineNumber: 2 },
    ]);
  });

  it('unwraps a heredoc passed as the patch text', () => {
    const inner = '*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch';
    for (const start of ['<<EOF', "<<'EOF'", '<<"EOF"']) {
      const result = parsePatch(`${start}\n${inner}\nEOF\n`);
      expect(result.ok && result.value.patch).toBe(inner);
    }
    expect(errorOf(`<<"EOF'\n${inner}\nEOF\n`)).toBe(
      "Invalid patch: The first line of the patch must be '*** Begin Patch'",
    );
    expect(errorOf('<<EOF\n*** Begin Patch\n*** Update File: file2.py\nEOF\n')).toBe(
      "Invalid patch: The last line of the patch must be '*** End Patch'",
    );
  });

  it('allows an add with no lines (an empty file)', () => {
    expect(hunks('*** Begin Patch\n*** Add File: empty.txt\n*** End Patch')).toEqual([
      { type: 'add', path: 'empty.txt', contents: '', lineNumber: 2 },
    ]);
  });
});
