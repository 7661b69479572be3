/**
 * The sanitising module every front end uses, checked against a real terminal emulator (xterm.js):
 * what it lets through cannot retitle the window, clear or move anything, or hide a command.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasHiddenCharacters,
  safeStyledLine,
  terminalSafe,
  visibleText,
} from '../../src/text/terminal-safe.js';
import { flush, headlessTerminal, screenLines } from '../tui/support/headless.js';

const HOSTILE = 'PAYLOAD #\r\x1b[K  git status';

async function shown(text: string, columns = 80): Promise<{ lines: string[]; title: string; y: number }> {
  const term = headlessTerminal(columns, 12);
  let title = '';
  term.onTitleChange((t) => {
    title = t;
  });
  term.write('above\r\n');
  term.write(text.replace(/\n/g, '\r\n'));
  await flush(term);
  return { lines: screenLines(term), title, y: term.buffer.active.cursorY };
}

describe('visibleText', () => {
  it('shows a disguised command as it is: every control character escaped', async () => {
    expect(visibleText(HOSTILE)).toBe('PAYLOAD #\\r\\e[K  git status');
    const screen = await shown(visibleText(HOSTILE));
    expect(screen.lines[1]).toBe('PAYLOAD #\\r\\e[K  git status');
    // Raw, the terminal shows only the decoy.
    expect((await shown(HOSTILE)).lines[1]).toBe('  git status');
  });

  it('escapes zero-width, bidi, odd spaces, C1 controls and lone surrogates', () => {
    expect(visibleText('rm\u200b -rf')).toBe('rm\\u{200b} -rf');
    expect(visibleText('ls \u202eexe.txt')).toBe('ls \\u{202e}exe.txt');
    expect(visibleText('a\u00a0b')).toBe('a\\xa0b');
    expect(visibleText('x\u009b2Jy')).toBe('x\\x9b2Jy');
    expect(visibleText('soft\u00adhyphen')).toBe('soft\\xadhyphen');
    expect(visibleText('filler\u3164here')).toBe('filler\\u{3164}here');
    expect(visibleText('tag\u{e0041}')).toBe('tag\\u{e0041}');
    expect(visibleText('lone\ud800')).toBe('lone\\u{d800}');
    expect(visibleText('a\tb\x00c\x7fd')).toBe('a\\tb\\0c\\x7fd');
  });

  it('leaves ordinary text alone, and doubles backslashes only when something was escaped', () => {
    expect(visibleText("grep -E 'a\\|b' *.ts")).toBe("grep -E 'a\\|b' *.ts");
    expect(visibleText('printf "\\e[K"')).toBe('printf "\\e[K"');
    // The literal characters `\e` and a real ESC can never look the same.
    expect(visibleText('printf "\\e" \x1b')).toBe('printf "\\\\e" \\e');
    expect(visibleText('héllo wörld 日本 🙂')).toBe('héllo wörld 日本 🙂');
  });

  it('keeps newlines when asked (scripts stay readable), escapes them otherwise', () => {
    expect(visibleText('a\nb\rc', { keepNewlines: true })).toBe('a\nb\\rc');
    expect(visibleText('a\nb')).toBe('a\\nb');
    expect(hasHiddenCharacters('a\nb', { keepNewlines: true })).toBe(false);
    expect(hasHiddenCharacters('a\nb')).toBe(true);
  });
});

describe('terminalSafe', () => {
  it('removes sequences that clear, move, retitle or hide, and keeps the text', async () => {
    const output = 'one\x1b[2J\x1b[H\x1b]0;owned\x07two\x1b[8mthree\x1b[0m\x1b[1A\x1bPpayload\x1b\\four';
    const safe = terminalSafe(output);
    expect(safe).toBe('onetwothreefour');
    const screen = await shown(safe);
    expect(screen.title).toBe('');
    expect(screen.lines.slice(0, 2)).toEqual(['above', 'onetwothreefour']);
  });

  it('handles C1 introducers, unterminated strings and stray controls', () => {
    expect(terminalSafe('a\u009b2Jb')).toBe('ab');
    expect(terminalSafe('a\u009d0;title\u0007b')).toBe('ab');
    // An OSC that never ends loses the rest of its line only.
    expect(terminalSafe('keep\x1b]0;no end\nnext line')).toBe('keep\nnext line');
    expect(terminalSafe('bell\x07 back\x08space\x00')).toBe('bell backspace');
    expect(terminalSafe('tab\tkept\n')).toBe('tab\tkept\n');
  });

  it('shows a redrawn line as a terminal would, losing nothing longer', () => {
    expect(terminalSafe('10%\r20%\r100% done\n')).toBe('100% done\n');
    expect(terminalSafe('PAYLOAD #\rgit')).toBe('gitLOAD #');
    expect(terminalSafe('windows line\r\nnext\r\n')).toBe('windows line\nnext\n');
  });

  it('makes bidi controls visible', () => {
    expect(terminalSafe('abc\u202edef')).toBe('abc\\u{202e}def');
  });

  it('keeps colours only when asked, and only well-formed SGR', () => {
    expect(terminalSafe('\x1b[31mred\x1b[0m')).toBe('red');
    expect(terminalSafe('\x1b[31mred\x1b[0m\x1b[2J', { keepColours: true })).toBe('\x1b[31mred\x1b[0m');
  });

  it('never lets anything through that changes the title, erases or moves the cursor back', async () => {
    const pieces = [
      'text',
      ' ',
      '\n',
      '\r',
      '\t',
      '\x1b',
      '[',
      ']',
      '0;',
      '2J',
      'H',
      'K',
      '1A',
      '\x07',
      '\\',
      'P',
      '\u009b',
      '\u009d',
      '\u202e',
      'm',
      '8',
      '?1049h',
      'c',
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), async (parts) => {
        const safe = terminalSafe(parts.join(''));
        const screen = await shown(safe);
        expect(screen.title).toBe('');
        expect(screen.lines[0]).toBe('above');
        // Every row the text wrote is its own (no cursor movement back onto earlier rows).
        const rows = safe.split('\n');
        expect(screen.y).toBeGreaterThanOrEqual(Math.min(rows.length, 11));
      }),
      { numRuns: 150 },
    );
  });
});

describe('safeStyledLine', () => {
  it('keeps our SGR styling and removes anything else', () => {
    expect(safeStyledLine('\x1b[1mbold\x1b[0m plain')).toBe('\x1b[1mbold\x1b[0m plain');
    expect(safeStyledLine('a\x1b[2Jb\rc\nd\te')).toBe('abcd e');
    expect(safeStyledLine('x\x1b]0;t\x07y')).toBe('xy');
  });
});
