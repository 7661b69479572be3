/** Markdown and diffs as they show in a terminal (text and cell colours, read back from xterm). */
import { describe, expect, it } from 'vitest';
import { renderDiff } from '../../src/tui/render/diff.js';
import { MarkdownRenderer, renderMarkdown } from '../../src/tui/render/markdown.js';
import { allLines, attributesOf, colorOf, printLines } from './support/headless.js';

const GREEN = 2;
const RED = 1;
const MAGENTA = 5;
const CYAN = 6;
const YELLOW = 3;

describe('Markdown', () => {
  it('renders headings, lists, quotes, rules and inline styles', async () => {
    const text = [
      '# Title',
      'Some **bold** and *italic* text with `code` and a [link](https://example.com).',
      '',
      '- first',
      '  - nested item that is long enough to wrap onto the next line of a narrow terminal',
      '1. one',
      '> quoted',
      '---',
    ].join('\n');
    const term = await printLines(renderMarkdown(text, 40), 40);
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "Title",
        "Some bold and italic text with code and",
        "a link (https://example.com).",
        "",
        "• first",
        "  ◦ nested item that is long enough to",
        "    wrap onto the next line of a narrow",
        "    terminal",
        "1. one",
        "│ quoted",
        "────────────────────────────────────────",
      ]
    `);
    expect(attributesOf(term, 'Title')?.bold).toBe(true);
    expect(attributesOf(term, 'bold')?.bold).toBe(true);
    expect(attributesOf(term, 'italic')?.italic).toBe(true);
    expect(colorOf(term, 'code')).toBe(CYAN);
  });

  it('highlights fenced code and keeps its indentation', async () => {
    const text = [
      '```ts',
      'function f(x: number) {',
      '  return "hi" + 42; // note',
      '}',
      '```',
      'after',
    ].join('\n');
    const term = await printLines(renderMarkdown(text, 60));
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "  function f(x: number) {",
        "    return "hi" + 42; // note",
        "  }",
        "after",
      ]
    `);
    expect(colorOf(term, 'function')).toBe(MAGENTA);
    expect(colorOf(term, '"hi"')).toBe(GREEN);
    expect(colorOf(term, '42')).toBe(YELLOW);
    expect(colorOf(term, '// note')).not.toBe(-1);
    expect(colorOf(term, 'after')).toBe(-1);
  });

  it('renders line by line with the block state carried (streaming)', () => {
    const renderer = new MarkdownRenderer();
    // A partial line inside a code block is code; peeking does not open or close blocks.
    expect(renderer.line('```', 40)).toEqual([]);
    expect(renderer.inCodeBlock).toBe(true);
    renderer.peek('```', 40);
    expect(renderer.inCodeBlock).toBe(true);
    expect(renderer.line('```', 40)).toEqual([]);
    expect(renderer.inCodeBlock).toBe(false);
  });
});

describe('diffs', () => {
  it('shows additions green and removals red with line numbers', async () => {
    const diff = [
      '--- a/f.txt',
      '+++ b/f.txt',
      '@@ -1,3 +1,3 @@',
      ' keep',
      '-old line',
      '+new line',
      ' tail',
    ].join('\n');
    const term = await printLines(renderDiff(diff, 40, { indent: 2 }), 40);
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "     1  keep",
        "     2 -old line",
        "     2 +new line",
        "     3  tail",
      ]
    `);
    expect(colorOf(term, 'new line')).toBe(GREEN);
    expect(colorOf(term, 'old line')).toBe(RED);
  });

  it('cuts a long diff with a count of what is left', async () => {
    const diff = ['@@ -0,0 +1,50 @@', ...Array.from({ length: 50 }, (_, i) => `+line ${i}`)].join('\n');
    const lines = renderDiff(diff, 40, { maxLines: 10 });
    const term = await printLines(lines, 40);
    expect(allLines(term).at(-1)).toBe('… 40 more diff lines');
    expect(lines).toHaveLength(11);
  });
});
