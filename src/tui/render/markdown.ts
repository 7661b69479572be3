/**
 * Markdown for the terminal, one source line at a time so streamed text can be written to the
 * scrollback as each line completes: headings, lists, block quotes, rules, fenced code blocks
 * (highlighted), and inline code, bold, italic, strikethrough and links. The block state (inside a
 * fence or not) carries from line to line; rendering a partial line (`peek`) does not change it.
 */
import type { Style } from '../terminal/ansi.js';
import { hardWrapSpans, type Span, textWidth, wrapSpans } from '../terminal/width.js';
import { highlightLine } from './highlight.js';

const INLINE =
  /(`+)(.+?)\1(?!`)|\*\*(?=\S)(.+?)\*\*|__(?=\S)(.+?)__(?!\w)|~~(?=\S)(.+?)~~|\*(?=[^\s*])([^*]+?)\*|(?<!\w)_(?=[^\s_])([^_]+?)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;

const CODE_STYLE: Style = { fg: 'cyan' };

/** Inline Markdown as styled spans. */
export function inlineSpans(text: string, base: Style = {}): Span[] {
  const spans: Span[] = [];
  const push = (t: string, style: Style) => {
    if (t !== '') spans.push(Object.keys(style).length ? { text: t, style } : { text: t });
  };
  let index = 0;
  for (const match of text.matchAll(INLINE)) {
    push(text.slice(index, match.index), base);
    const [whole, , code, strong1, strong2, strike, em1, em2, linkText, url] = match;
    if (code !== undefined) push(code, { ...base, ...CODE_STYLE });
    else if (strong1 !== undefined || strong2 !== undefined)
      spans.push(...inlineSpans((strong1 ?? strong2)!, { ...base, bold: true }));
    else if (strike !== undefined) spans.push(...inlineSpans(strike, { ...base, strike: true }));
    else if (em1 !== undefined || em2 !== undefined)
      spans.push(...inlineSpans((em1 ?? em2)!, { ...base, italic: true }));
    else if (linkText !== undefined) {
      spans.push(...inlineSpans(linkText, { ...base, underline: true, fg: 'blue' }));
      if (url !== linkText) push(` (${url})`, { ...base, dim: true });
    } else push(whole, base);
    index = match.index + whole.length;
  }
  push(text.slice(index), base);
  return spans;
}

interface Fence {
  char: string;
  length: number;
  lang: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const LIST = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

export class MarkdownRenderer {
  private fence: Fence | undefined;

  /** Renders one complete source line and advances the block state. */
  line(source: string, width: number): string[] {
    return this.render(source, width, true);
  }

  /** Renders an incomplete line (still streaming) without changing the block state. */
  peek(source: string, width: number): string[] {
    return this.render(source, width, false);
  }

  get inCodeBlock(): boolean {
    return this.fence !== undefined;
  }

  private render(source: string, width: number, advance: boolean): string[] {
    const line = source.replace(/\s+$/, '');
    if (this.fence) {
      const close = FENCE.exec(line);
      if (close && close[1]![0] === this.fence.char && close[1]!.length >= this.fence.length && !close[2]) {
        if (advance) this.fence = undefined;
        return [];
      }
      return hardWrapSpans(highlightLine(source.replace(/\s+$/, ''), this.fence.lang), width, {
        first: [{ text: '  ' }],
      });
    }
    const open = FENCE.exec(line);
    if (open) {
      if (advance) this.fence = { char: open[1]![0]!, length: open[1]!.length, lang: open[2] ?? '' };
      return [];
    }
    if (line === '') return [''];
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      const style: Style =
        level === 1
          ? { bold: true, underline: true }
          : level === 2
            ? { bold: true }
            : { bold: true, italic: true };
      return wrapSpans(inlineSpans(heading[2]!, style), width);
    }
    if (RULE.test(line)) return [`\x1b[2m${'─'.repeat(Math.max(1, Math.min(width, 60)))}\x1b[0m`];
    const quote = QUOTE.exec(line);
    if (quote) {
      return wrapSpans(inlineSpans(quote[1]!, { italic: true }), width, {
        first: [{ text: '│ ', style: { dim: true } }],
        rest: [{ text: '│ ', style: { dim: true } }],
      });
    }
    const item = LIST.exec(line);
    if (item) {
      const depth = Math.floor(item[1]!.replace(/\t/g, '    ').length / 2);
      const marker = /\d/.test(item[2]!) ? item[2]! : depth % 2 === 0 ? '•' : '◦';
      const indent = '  '.repeat(depth);
      const first = `${indent}${marker} `;
      return wrapSpans(inlineSpans(item[3]!), width, {
        first: [
          { text: indent },
          { text: marker, style: { dim: marker === '•' || marker === '◦' } },
          { text: ' ' },
        ],
        rest: [{ text: ' '.repeat(textWidth(first)) }],
      });
    }
    const leading = /^\s*/.exec(line)![0];
    return wrapSpans(inlineSpans(line.slice(leading.length)), width, {
      first: leading ? [{ text: leading }] : [],
      rest: leading ? [{ text: leading }] : [],
    });
  }
}

/** A whole Markdown text as terminal lines. */
export function renderMarkdown(text: string, width: number): string[] {
  const renderer = new MarkdownRenderer();
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.flatMap((line) => renderer.line(line, width));
}
