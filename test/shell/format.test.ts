import { describe, expect, it } from 'vitest';
import { displayCommand, shellQuote } from '../../src/tools/shell/command-line.js';
import { displayOutput, formatShellOutput, formatUnifiedExecResponse } from '../../src/tools/shell/format.js';
import { HeadTailBuffer, Utf8Carry } from '../../src/tools/shell/output-capture.js';
import {
  countLines,
  formattedTruncateText,
  truncateMiddle,
  wholeText,
} from '../../src/tools/shell/truncate.js';

describe('truncateMiddle', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateMiddle(wholeText('short output'), 400)).toEqual({ text: 'short output', removedBytes: 0 });
  });

  it("keeps head and tail on character boundaries with Codex's marker", () => {
    // Codex's own example: 8 tokens = 32 bytes of budget, 16 for each side.
    const text = '😀😀😀😀😀😀😀😀😀😀\nsecond line with text\n';
    const result = truncateMiddle(wholeText(text), 32);
    expect(result.text).toBe('😀😀😀😀…8 tokens truncated… line with text\n');
    expect(result.removedBytes).toBe(Buffer.byteLength(text) - 32);
  });

  it('never splits a character when the budget falls inside one', () => {
    const result = truncateMiddle(wholeText('ééééé|ééééé'), 7); // é is 2 bytes
    expect(result.text).toBe('é…4 tokens truncated…éé'); // 15 of 21 bytes removed
    expect(result.text).not.toContain('\uFFFD');
  });

  it('always marks a capture that lost its middle, counting the lost bytes', () => {
    const result = truncateMiddle({ head: 'abc\n', omittedBytes: 1000, tail: 'xyz\n' }, 4000);
    expect(result.text).toBe('abc\n…250 tokens truncated…xyz\n');
    expect(result.removedBytes).toBe(1000);
  });

  it('splits the budget between head and tail of a lossy capture', () => {
    const result = truncateMiddle({ head: 'a'.repeat(100), omittedBytes: 50, tail: 'b'.repeat(100) }, 40);
    expect(result.text).toBe(`${'a'.repeat(20)}…${Math.ceil(210 / 4)} tokens truncated…${'b'.repeat(20)}`);
  });
});

describe('countLines', () => {
  it('counts like Rust str::lines', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\n')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
    expect(countLines('\n\n')).toBe(2);
  });
});

describe('formatShellOutput', () => {
  const base = { timedOut: false, aborted: false, signal: null };

  it("renders Codex's freeform text", () => {
    const text = formatShellOutput({
      ...base,
      exitCode: 0,
      durationMs: 51,
      output: wholeText('hi\n'),
      totalLines: 1,
    });
    expect(text).toBe('Exit code: 0\nWall time: 0.1 seconds\nOutput:\nhi\n');
  });

  it('prints whole seconds without a decimal, like Rust', () => {
    const text = formatShellOutput({
      ...base,
      exitCode: 1,
      durationMs: 2000,
      output: wholeText(''),
      totalLines: 0,
    });
    expect(text).toBe('Exit code: 1\nWall time: 2 seconds\nOutput:\n');
  });

  it('prefixes the timeout message and counts its line', () => {
    const text = formatShellOutput({
      ...base,
      exitCode: 124,
      durationMs: 1234.7,
      timedOut: true,
      output: wholeText('partial\n'),
      totalLines: 1,
    });
    expect(text).toBe(
      'Exit code: 124\nWall time: 1.2 seconds\nOutput:\ncommand timed out after 1234 milliseconds\npartial\n',
    );
  });

  it('names a signal that ended the command', () => {
    const text = formatShellOutput({
      ...base,
      exitCode: 137,
      durationMs: 10,
      signal: 'SIGKILL',
      output: wholeText(''),
      totalLines: 0,
    });
    expect(text).toBe(
      'Exit code: 137\nWall time: 0 seconds\nOutput:\ncommand terminated by signal SIGKILL\n',
    );
  });

  it('adds Total output lines when the output was truncated', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const text = formatShellOutput(
      { ...base, exitCode: 0, durationMs: 100, output: wholeText(lines), totalLines: 5000 },
      100,
    );
    const [exit, wall, total, outputLabel, ...rest] = text.split('\n');
    expect([exit, wall, total, outputLabel]).toEqual([
      'Exit code: 0',
      'Wall time: 0.1 seconds',
      'Total output lines: 5000',
      'Output:',
    ]);
    const body = rest.join('\n');
    expect(body.startsWith('line 0\nline 1\n')).toBe(true);
    expect(body.endsWith('line 4998\nline 4999')).toBe(true);
    expect(body).toMatch(/…\d+ tokens truncated…/);
    expect(Buffer.byteLength(body)).toBeLessThan(400 + 40);
  });
});

describe('formatUnifiedExecResponse', () => {
  it('reports a finished process', () => {
    const text = formatUnifiedExecResponse({
      chunkId: 'abc123',
      wallTimeMs: 250.12345,
      exitCode: 0,
      sessionId: null,
      output: wholeText('hello\n'),
      totalLines: 1,
      originalTokenCount: 2,
      maxOutputTokens: 10_000,
    });
    expect(text).toBe(
      'Chunk ID: abc123\nWall time: 0.2501 seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nhello\n',
    );
  });

  it('reports a running session and truncates to max_output_tokens', () => {
    const text = formatUnifiedExecResponse({
      chunkId: 'ffffff',
      wallTimeMs: 1000,
      exitCode: null,
      sessionId: 4242,
      output: wholeText('x'.repeat(100)),
      totalLines: 1,
      originalTokenCount: 25,
      maxOutputTokens: 5,
    });
    expect(text).toBe(
      'Chunk ID: ffffff\nWall time: 1.0000 seconds\nProcess running with session ID 4242\nOriginal token count: 25\n' +
        `Output:\nTotal output lines: 1\n\nxxxxxxxxxx…20 tokens truncated…xxxxxxxxxx`,
    );
  });

  it('formattedTruncateText leaves fitting text alone', () => {
    expect(formattedTruncateText(wholeText('abc'), 1, 1)).toBe('abc');
  });
});

describe('displayCommand', () => {
  it('shell-quotes like Codex shows commands', () => {
    expect(displayCommand(['/bin/bash', '-lc', 'echo hi-from-tool'])).toBe(
      "/bin/bash -lc 'echo hi-from-tool'",
    );
    expect(displayCommand(['ls', '-la', 'src/'])).toBe('ls -la src/');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
  });
});

describe('displayOutput', () => {
  it('says how many bytes a display item lacks', () => {
    expect(displayOutput({ head: 'a\n', omittedBytes: 10, tail: 'z\n' })).toBe(
      'a\n[… 10 bytes omitted …]\nz\n',
    );
    expect(displayOutput(wholeText('all\n'))).toBe('all\n');
  });
});

describe('Utf8Carry', () => {
  it('holds back an incomplete character until the rest arrives', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    const carry = new Utf8Carry();
    expect(carry.push(Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)])).toString()).toBe('a');
    expect(carry.push(euro.subarray(2)).toString()).toBe('€');
    expect(carry.flush().length).toBe(0);
  });

  it('passes complete and invalid input straight through', () => {
    const carry = new Utf8Carry();
    expect(carry.push(Buffer.from('😀')).toString()).toBe('😀');
    expect(carry.push(Buffer.from([0x80, 0x80, 0x80, 0x80])).length).toBe(4);
  });
});

describe('HeadTailBuffer', () => {
  it('keeps everything while it fits', () => {
    const buffer = new HeadTailBuffer({ headBytes: 8, tailBytes: 8 });
    buffer.append(Buffer.from('one\ntwo\n'));
    buffer.append(Buffer.from('three'));
    expect(buffer.snapshot()).toEqual({
      head: 'one\ntwo\nthree',
      omittedBytes: 0,
      tail: '',
      totalBytes: 13,
      totalLines: 3,
    });
  });

  it('keeps head and tail of a long stream and counts the rest', () => {
    const buffer = new HeadTailBuffer({ headBytes: 4, tailBytes: 6 });
    for (let i = 0; i < 100; i++) buffer.append(Buffer.from(`${i % 10}\n`));
    const snapshot = buffer.snapshot();
    expect(snapshot.head).toBe('0\n1\n');
    expect(snapshot.tail).toBe('7\n8\n9\n');
    expect(snapshot.omittedBytes).toBe(200 - 10);
    expect(snapshot.totalLines).toBe(100);
  });

  it('trims characters split at the head and ring edges', () => {
    const buffer = new HeadTailBuffer({ headBytes: 3, tailBytes: 3 });
    buffer.append(Buffer.from('éééééé')); // 12 bytes
    const snapshot = buffer.snapshot();
    expect(snapshot.head).toBe('é');
    expect(snapshot.tail).toBe('é');
    expect(snapshot.omittedBytes).toBe(12 - 4);
    expect(snapshot.head + snapshot.tail).not.toContain('\uFFFD');
  });
});
