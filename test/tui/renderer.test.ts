/** The live-region renderer, drawn into a headless terminal: scrollback kept, only changes rewritten. */
import { describe, expect, it } from 'vitest';
import { LiveRenderer } from '../../src/tui/terminal/renderer.js';
import { allLines, flush, fullClearsIn, headlessTerminal, screenLines } from './support/headless.js';

function setup(columns = 40, rows = 10) {
  const term = headlessTerminal(columns, rows);
  const writes: string[] = [];
  const renderer = new LiveRenderer(
    (data) => {
      writes.push(data);
      term.write(data);
    },
    { columns, rows },
  );
  return { term, writes, renderer };
}

describe('LiveRenderer', () => {
  it('writes committed lines once above the live region and keeps them in the scrollback', async () => {
    const { term, renderer } = setup(40, 6);
    renderer.render({ lines: ['live one', 'status'] });
    for (let i = 0; i < 10; i++) renderer.render({ lines: [`live ${i}`, 'status'] }, [`done ${i}`]);
    await flush(term);
    expect(screenLines(term)).toEqual(['done 7', 'done 8', 'done 9', 'live 9', 'status', '']);
    // Everything committed is in the scrollback, in order, once.
    expect(allLines(term)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `done ${i}`),
      'live 9',
      'status',
    ]);
  });

  it('rewrites only the lines that changed', async () => {
    const { term, writes, renderer } = setup();
    renderer.render({ lines: ['alpha', 'beta', 'gamma'] });
    writes.length = 0;
    renderer.render({ lines: ['alpha', 'BETA!', 'gamma'] });
    await flush(term);
    const frame = writes.join('');
    expect(frame).toContain('BETA!');
    expect(frame).not.toContain('alpha');
    expect(frame).not.toContain('gamma');
    expect(screenLines(term).slice(0, 3)).toEqual(['alpha', 'BETA!', 'gamma']);
    writes.length = 0;
    renderer.render({ lines: ['alpha', 'BETA!', 'gamma'] });
    // An unchanged frame writes no text at all (only cursor bookkeeping).
    expect(writes.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]|\r/g, '')).toBe('');
  });

  it('shrinks and grows the live region without leaving stale rows', async () => {
    const { term, renderer } = setup(30, 8);
    renderer.render({ lines: ['a', 'b', 'c', 'd', 'e'] });
    renderer.render({ lines: ['a', 'x'] });
    await flush(term);
    expect(screenLines(term).filter(Boolean)).toEqual(['a', 'x']);
    renderer.render({ lines: ['a', 'x', 'y', 'z'] }, ['committed']);
    await flush(term);
    expect(screenLines(term).filter(Boolean)).toEqual(['committed', 'a', 'x', 'y', 'z']);
  });

  it('never wraps a live line and never grows taller than the screen', async () => {
    const { term, renderer } = setup(10, 5);
    renderer.render({
      lines: ['0123456789ABCDEF', 'l2', 'l3', 'l4', 'l5', 'l6'],
      cursor: { row: 5, col: 1 },
    });
    await flush(term);
    // The bottom lines, and the blank row the cursor waits on.
    expect(screenLines(term)).toEqual(['l3', 'l4', 'l5', 'l6', '']);
    renderer.render({ lines: ['0123456789ABCDEF', 'two'] });
    await flush(term);
    expect(screenLines(term).filter(Boolean)).toEqual(['0123456789', 'two']);
  });

  it('draws the caret where the frame asks and parks the hidden cursor below the region', async () => {
    const { term, renderer } = setup(20, 5);
    renderer.render({ lines: ['header', '› hello', 'status'], cursor: { row: 1, col: 3 } });
    await flush(term);
    const buffer = term.buffer.active;
    const inverted = (x: number, y: number) => buffer.getLine(y)!.getCell(x)!.isInverse() !== 0;
    expect(screenLines(term).slice(0, 3)).toEqual(['header', '› hello', 'status']);
    expect(inverted(3, 1)).toBe(true);
    expect(inverted(2, 1)).toBe(false);
    expect(inverted(4, 1)).toBe(false);
    expect({ x: buffer.cursorX, y: buffer.cursorY }).toEqual({ x: 0, y: 3 });
    // At the end of the text the caret is an inverted space.
    renderer.render({ lines: ['header', '› hello', 'status'], cursor: { row: 1, col: 7 } });
    await flush(term);
    expect(inverted(7, 1)).toBe(true);
    expect(inverted(3, 1)).toBe(false);
  });

  it('survives a narrower terminal that reflowed the live rows, with scrollback above', async () => {
    const { term, renderer } = setup(90, 12);
    for (let i = 0; i < 20; i++)
      renderer.render({ lines: ['status'] }, [`history line ${i} ${'x'.repeat(60)}`]);
    const frame = [
      '',
      '─'.repeat(90),
      '› Ask Spool to do anything · @ mentions a file · / lists commands',
      ` status ${'y'.repeat(70)}`,
    ];
    renderer.render({ lines: frame, cursor: { row: 2, col: 2 } });
    await flush(term);
    term.resize(50, 12);
    renderer.resize({ columns: 50, rows: 12 });
    renderer.render({ lines: ['', '─'.repeat(50), '› x', ' status'], cursor: { row: 2, col: 3 } });
    await flush(term);
    const screen = screenLines(term);
    expect(screen.filter((line) => /^─+$/.test(line))).toEqual(['─'.repeat(50)]);
    expect(screen.filter((line) => line.includes('status'))).toEqual([' status']);
    while (screen.at(-1) === '') screen.pop();
    expect(screen.slice(-4)).toEqual(['', '─'.repeat(50), '› x ', ' status']);
    expect(screen.at(-5)).toMatch(/^x+$/);
  });

  it('survives a narrower terminal that reflowed the live rows', async () => {
    const { term, renderer } = setup(40, 10);
    renderer.render({ lines: ['x'.repeat(39), 'second line', 'status'] }, ['kept in scrollback']);
    await flush(term);
    term.resize(20, 10);
    renderer.resize({ columns: 20, rows: 10 });
    renderer.render({ lines: ['y'.repeat(19), 'second', 'status'] });
    await flush(term);
    expect(screenLines(term).filter(Boolean)).toEqual([
      'kept in scrollback',
      'y'.repeat(19),
      'second',
      'status',
    ]);
    term.resize(60, 10);
    renderer.resize({ columns: 60, rows: 10 });
    renderer.render({ lines: ['wide again', 'status'] });
    await flush(term);
    expect(screenLines(term).filter(Boolean)).toEqual(['kept in scrollback', 'wide again', 'status']);
  });

  it('wraps frames in synchronized output and never clears the screen', () => {
    const { writes, renderer } = setup();
    renderer.render({ lines: ['a'] }, ['b']);
    renderer.resize({ columns: 30, rows: 8 });
    renderer.render({ lines: ['c'] });
    renderer.clear();
    for (const frame of writes) {
      expect(frame.startsWith('\x1b[?2026h')).toBe(true);
      expect(frame.endsWith('\x1b[?2026l')).toBe(true);
    }
    expect(fullClearsIn(writes.join(''))).toEqual([]);
    renderer.synchronized = false;
    writes.length = 0;
    renderer.render({ lines: ['d'] });
    expect(writes.join('')).not.toContain('\x1b[?2026');
  });
});
