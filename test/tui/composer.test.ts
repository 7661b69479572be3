/** The prompt editor: editing, history, large pastes, mentions, and where the caret is drawn. */
import { describe, expect, it } from 'vitest';
import { handleEditingKey } from '../../src/tui/app/keymap.js';
import { type Key, KeyParser } from '../../src/tui/terminal/keys.js';
import { Composer, LARGE_PASTE_CHARS } from '../../src/tui/view/composer.js';
import { allLines, printLines } from './support/headless.js';

/** Types terminal input into a composer, through the real key parser and keymap. */
function typeInto(composer: Composer, ...chunks: string[]): void {
  const keys: Key[] = [];
  const parser = new KeyParser((key) => keys.push(key));
  for (const chunk of chunks) parser.feed(chunk);
  parser.dispose();
  for (const key of keys) handleEditingKey(composer, key);
}

describe('Composer', () => {
  it('edits multi-line text with the usual keys', () => {
    const composer = new Composer();
    typeInto(
      composer,
      'hello wrld',
      '\x1b[D\x1b[D\x1b[D',
      'o',
      '\x05',
      '\x1b\r',
      'second line',
      '\x17',
      'row',
    );
    expect(composer.text).toBe('hello world\nsecond row');
    typeInto(composer, '\x01', '\x0b');
    expect(composer.text).toBe('hello world\n');
    typeInto(composer, '\x1b[A', '\x05', '!');
    expect(composer.text).toBe('hello world!\n');
  });

  it('browses the history with ↑/↓ and keeps the draft', () => {
    const composer = new Composer(['first', 'second']);
    typeInto(composer, 'draft');
    typeInto(composer, '\x1b[A');
    expect(composer.text).toBe('second');
    typeInto(composer, '\x1b[A', '\x1b[A');
    expect(composer.text).toBe('first');
    typeInto(composer, '\x1b[B', '\x1b[B');
    expect(composer.text).toBe('draft');
    expect(composer.submit()).toBe('draft');
    typeInto(composer, '\x1b[A');
    expect(composer.text).toBe('draft');
  });

  it('keeps a large paste as a placeholder and sends it whole', () => {
    const composer = new Composer();
    const big = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    expect(big.length).toBeGreaterThan(LARGE_PASTE_CHARS);
    typeInto(composer, 'see: ', `\x1b[200~${big}\x1b[201~`, ' thanks');
    expect(composer.text).toBe(
      `see: [Pasted text #1: ${big.length.toLocaleString('en-US')} chars, 200 lines] thanks`,
    );
    expect(composer.submit()).toBe(`see: ${big} thanks`);
    // Backspace takes a placeholder away whole.
    typeInto(composer, `\x1b[200~${big}\x1b[201~`, '\x7f');
    expect(composer.text).toBe('');
    // Small pastes go in as they are, newlines included.
    typeInto(composer, '\x1b[200~a\nb\x1b[201~');
    expect(composer.text).toBe('a\nb');
  });

  it('finds the @mention and the /command being typed', () => {
    const composer = new Composer();
    typeInto(composer, 'look at @src/ma');
    expect(composer.mentionAtCursor()).toEqual({ start: 8, end: 15, query: 'src/ma' });
    composer.replaceRange(8, 15, '@src/main.ts ');
    expect(composer.text).toBe('look at @src/main.ts ');
    expect(composer.mentionAtCursor()).toBeUndefined();
    composer.setText('email me@example.com');
    expect(composer.mentionAtCursor()).toBeUndefined();
    composer.setText('/com');
    expect(composer.commandPrefix()).toBe('com');
    composer.setText('/compact now');
    expect(composer.commandPrefix()).toBeUndefined();
  });

  it('renders wrapped lines with the caret at the right cell (wide characters included)', async () => {
    const composer = new Composer();
    composer.setText('12345678901234567890\n日本語 ok', 23);
    const view = composer.render(12);
    const term = await printLines(view.lines, 12);
    expect(allLines(term)).toEqual(['› 1234567890', '  1234567890', '  日本語 ok']);
    // After "日本" (two wide characters) on the third row.
    expect(view.cursor).toEqual({ row: 2, col: 6 });
    const empty = new Composer().render(40, 'Ask anything');
    expect(empty.cursor).toEqual({ row: 0, col: 2 });
    expect((await printLines(empty.lines, 40)).buffer.active.getLine(0)!.translateToString(true)).toBe(
      '› Ask anything',
    );
  });
});
