/** Terminal input → keys: sequences, modifiers, paste (bracketed, split across reads), lone Escape. */
import { describe, expect, it } from 'vitest';
import { ESCAPE_WAIT_MS, type Key, KeyParser } from '../../src/tui/terminal/keys.js';

function parse(...chunks: string[]): Key[] {
  const keys: Key[] = [];
  const parser = new KeyParser((key) => keys.push(key));
  for (const chunk of chunks) parser.feed(chunk);
  parser.dispose();
  return keys;
}

describe('KeyParser', () => {
  it('reads text, enter, control letters and editing keys', () => {
    expect(parse('héllo', '\r', '\x03', '\x7f', '\t', '\n')).toEqual([
      { name: 'text', text: 'héllo' },
      { name: 'enter' },
      { name: 'text', text: 'c', ctrl: true },
      { name: 'backspace' },
      { name: 'tab' },
      { name: 'newline' },
    ]);
  });

  it('reads CSI and SS3 keys with modifiers', () => {
    expect(parse('\x1b[A\x1bOB\x1b[1;5C\x1b[1;3D\x1b[3~\x1b[5~\x1b[H\x1b[4~\x1b[Z')).toEqual([
      { name: 'up' },
      { name: 'down' },
      { name: 'right', ctrl: true },
      { name: 'left', alt: true },
      { name: 'delete' },
      { name: 'pageup' },
      { name: 'home' },
      { name: 'end' },
      { name: 'backtab' },
    ]);
  });

  it('reads Shift/Alt+Enter as a newline in every encoding terminals use', () => {
    expect(parse('\x1b\r', '\x1b[13;2u', '\x1b[27;2;13~').map((k) => k.name)).toEqual([
      'newline',
      'newline',
      'newline',
    ]);
    expect(parse('\x1b[13u')).toEqual([{ name: 'enter' }]);
    expect(parse('\x1bb')).toEqual([{ name: 'text', text: 'b', alt: true }]);
    expect(parse('\x1b[99;5u')).toEqual([{ name: 'text', text: 'c', ctrl: true }]);
  });

  it('joins a sequence split across reads', () => {
    expect(parse('\x1b', '[', '1;5', 'D')).toEqual([{ name: 'left', ctrl: true }]);
  });

  it('takes a bracketed paste whole, even across reads, with its newlines and escape-like text', () => {
    const big = 'line\r\n'.repeat(3000);
    expect(parse('\x1b[200~a\rb', '\x1b[A', big, '\x1b[20', '1~x')).toEqual([
      { name: 'paste', text: `a\nb\x1b[A${'line\n'.repeat(3000)}` },
      { name: 'text', text: 'x' },
    ]);
  });

  it('treats a read with text after a line break as a paste (terminals without bracketed paste)', () => {
    expect(parse('one\rtwo')).toEqual([{ name: 'paste', text: 'one\ntwo' }]);
    expect(parse('typed\r')).toEqual([{ name: 'text', text: 'typed' }, { name: 'enter' }]);
  });

  it('reports DECRQM answers', () => {
    expect(parse('\x1b[?2026;2$y')).toEqual([{ name: 'mode-report', mode: 2026, modeValue: 2 }]);
  });

  it('tells a lone Escape from the start of a sequence by waiting briefly', async () => {
    const keys: Key[] = [];
    const parser = new KeyParser((key) => keys.push(key));
    parser.feed('\x1b');
    expect(keys).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, ESCAPE_WAIT_MS + 30));
    expect(keys).toEqual([{ name: 'escape' }]);
    parser.feed('\x1b');
    parser.feed('[B');
    expect(keys).toEqual([{ name: 'escape' }, { name: 'down' }]);
    parser.dispose();
  });
});
