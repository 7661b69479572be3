/**
 * Display width of text in terminal cells, cleaning of untrusted text (model output, command
 * output) before it reaches the terminal, and word wrapping of styled text.
 */
import { terminalSafe } from '../../text/terminal-safe.js';
import { paint, type Style } from './ansi.js';

/** Escape sequences (CSI, OSC, two-byte ESC) and SGR in our own output. */
const ANSI_PATTERN = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/**
 * Untrusted text (model output, command output) ready for the UI: made terminal-safe by the shared
 * sanitiser (src/text/terminal-safe.ts) and tabs expanded, since the UI measures every cell.
 */
export function sanitize(text: string): string {
  return terminalSafe(text).replace(/\t/g, '    ');
}

/** Cells one code point takes: 0 for combining marks and joiners, 2 for wide East Asian and emoji. */
export function codePointWidth(cp: number): number {
  if (cp === 0) return 0;
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x0483 && cp <= 0x0489) ||
    (cp >= 0x0591 && cp <= 0x05bd) ||
    (cp >= 0x0610 && cp <= 0x061a) ||
    (cp >= 0x064b && cp <= 0x065f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    cp === 0xfeff ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  )
    return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x231a && cp <= 0x231b) ||
    (cp >= 0x2329 && cp <= 0x232a) ||
    (cp >= 0x23e9 && cp <= 0x23ec) ||
    (cp >= 0x25fd && cp <= 0x25fe) ||
    (cp >= 0x2614 && cp <= 0x2615) ||
    (cp >= 0x2648 && cp <= 0x2653) ||
    cp === 0x267f ||
    cp === 0x2693 ||
    cp === 0x26a1 ||
    (cp >= 0x26aa && cp <= 0x26ab) ||
    (cp >= 0x26bd && cp <= 0x26be) ||
    (cp >= 0x26c4 && cp <= 0x26c5) ||
    cp === 0x26ce ||
    cp === 0x26d4 ||
    cp === 0x26ea ||
    (cp >= 0x26f2 && cp <= 0x26f5) ||
    cp === 0x26fa ||
    cp === 0x26fd ||
    cp === 0x2705 ||
    (cp >= 0x270a && cp <= 0x270b) ||
    cp === 0x2728 ||
    cp === 0x274c ||
    cp === 0x274e ||
    (cp >= 0x2753 && cp <= 0x2755) ||
    cp === 0x2757 ||
    (cp >= 0x2795 && cp <= 0x2797) ||
    cp === 0x27b0 ||
    cp === 0x27bf ||
    (cp >= 0x2b1b && cp <= 0x2b1c) ||
    cp === 0x2b50 ||
    cp === 0x2b55 ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe10 && cp <= 0xfe19) ||
    (cp >= 0xfe30 && cp <= 0xfe6f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f004 && cp <= 0x1f004) ||
    (cp >= 0x1f0cf && cp <= 0x1f0cf) ||
    (cp >= 0x1f18e && cp <= 0x1f18e) ||
    (cp >= 0x1f191 && cp <= 0x1f19a) ||
    (cp >= 0x1f200 && cp <= 0x1f251) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1f7e0 && cp <= 0x1f7eb) ||
    (cp >= 0x1f90c && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Cells `text` takes (escape sequences take none). */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) width += codePointWidth(ch.codePointAt(0)!);
  return width;
}

/** The longest prefix of plain `text` that fits in `width` cells. */
function sliceToWidth(text: string, width: number): string {
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const w = codePointWidth(ch.codePointAt(0)!);
    if (used + w > width) break;
    used += w;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * A styled line cut to `width` cells, keeping its escape sequences (and resetting the style when
 * it was cut inside a styled run). An ellipsis marks the cut when `ellipsis` is set.
 */
export function truncateLine(line: string, width: number, ellipsis = false): string {
  if (textWidth(line) <= width) return line;
  const limit = ellipsis ? Math.max(0, width - 1) : width;
  let out = '';
  let used = 0;
  let index = 0;
  ANSI_PATTERN.lastIndex = 0;
  while (index < line.length) {
    ANSI_PATTERN.lastIndex = index;
    const match = ANSI_PATTERN.exec(line);
    if (match && match.index === index) {
      out += match[0];
      index += match[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(index)!);
    const w = codePointWidth(ch.codePointAt(0)!);
    if (used + w > limit) break;
    out += ch;
    used += w;
    index += ch.length;
  }
  return `${out}\x1b[0m${ellipsis ? '…' : ''}`;
}

/**
 * `line` with the cell at column `col` shown inverted (a caret); past the end of the line, an
 * inverted space. The inversion is switched off alone, so the surrounding style is kept.
 */
export function drawCaret(line: string, col: number): string {
  let used = 0;
  let index = 0;
  while (index < line.length) {
    ANSI_PATTERN.lastIndex = index;
    const match = ANSI_PATTERN.exec(line);
    if (match && match.index === index) {
      index += match[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(index)!);
    if (used === col) return `${line.slice(0, index)}\x1b[7m${ch}\x1b[27m${line.slice(index + ch.length)}`;
    used += codePointWidth(ch.codePointAt(0)!);
    index += ch.length;
  }
  return `${line}${' '.repeat(Math.max(0, col - used))}\x1b[7m \x1b[27m`;
}

/** A run of text in one style. */
export interface Span {
  text: string;
  style?: Style;
}

/** Spans as terminal text: one SGR run per span, each ending in a reset. */
function encodeSpans(spans: readonly Span[]): string {
  let out = '';
  for (const span of spans) out += span.style ? paint(span.text, span.style) : span.text;
  return out;
}

function sameStyle(a: Style | undefined, b: Style | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

function pushSpan(line: Span[], text: string, style: Style | undefined): void {
  const last = line[line.length - 1];
  if (last && sameStyle(last.style, style)) last.text += text;
  else line.push(style ? { text, style } : { text });
}

interface WrapOptions {
  /** Spans before the first line (a bullet, a prompt marker). */
  first?: readonly Span[];
  /** Spans before every later line (usually as wide as `first`). */
  rest?: readonly Span[];
}

/**
 * Word-wraps styled spans (one logical line, no newlines) into lines of at most `width` cells.
 * Words longer than a line are broken; spaces at a break are dropped.
 */
export function wrapSpans(spans: readonly Span[], width: number, options: WrapOptions = {}): string[] {
  const first = options.first ?? [];
  const rest = options.rest ?? first.map((s) => ({ text: ' '.repeat(textWidth(s.text)) }));
  const prefixWidth = (prefix: readonly Span[]) => prefix.reduce((n, s) => n + textWidth(s.text), 0);
  const lines: Span[][] = [];
  let line: Span[] = [...first.map((s) => ({ ...s }))];
  let used = prefixWidth(first);
  let lineStart = true;
  let pendingSpace: { text: string; style?: Style } | undefined;

  const breakLine = () => {
    lines.push(line);
    line = [...rest.map((s) => ({ ...s }))];
    used = prefixWidth(rest);
    lineStart = true;
    pendingSpace = undefined;
  };

  for (const span of spans) {
    for (const token of span.text.split(/(\s+)/)) {
      if (token === '') continue;
      if (/^\s+$/.test(token)) {
        if (!lineStart) pendingSpace = { text: token, style: span.style };
        continue;
      }
      const tokenWidth = textWidth(token);
      const spaceWidth = pendingSpace ? textWidth(pendingSpace.text) : 0;
      if (!lineStart && used + spaceWidth + tokenWidth > width) breakLine();
      if (pendingSpace && !lineStart) {
        pushSpan(line, pendingSpace.text, pendingSpace.style);
        used += spaceWidth;
      }
      pendingSpace = undefined;
      let remaining = token;
      // A word wider than the room left is broken (only ever at the start of a line: a word that
      // fits on a fresh line was moved there above).
      while (textWidth(remaining) > width - used) {
        const piece =
          sliceToWidth(remaining, Math.max(0, width - used)) ||
          String.fromCodePoint(remaining.codePointAt(0)!);
        pushSpan(line, piece, span.style);
        remaining = remaining.slice(piece.length);
        breakLine();
      }
      if (remaining !== '') {
        pushSpan(line, remaining, span.style);
        used += textWidth(remaining);
        lineStart = false;
      }
    }
  }
  if (!lineStart || lines.length === 0) lines.push(line);
  return lines.map(encodeSpans);
}

/** Plain text (may hold newlines) wrapped to `width`, every line in `style`. */
export function wrapText(text: string, width: number, style?: Style, options: WrapOptions = {}): string[] {
  return text
    .split('\n')
    .flatMap((line) => wrapSpans([style ? { text: line, style } : { text: line }], width, options));
}

/**
 * Styled spans broken into lines of at most `width` cells at any character (code, diffs: text
 * whose spaces matter). `first` and `rest` prefix the lines as in `wrapSpans`.
 */
export function hardWrapSpans(spans: readonly Span[], width: number, options: WrapOptions = {}): string[] {
  const first = options.first ?? [];
  const rest = options.rest ?? first.map((s) => ({ text: ' '.repeat(textWidth(s.text)) }));
  const widthOf = (prefix: readonly Span[]) => prefix.reduce((n, s) => n + textWidth(s.text), 0);
  const lines: Span[][] = [];
  let line: Span[] = first.map((s) => ({ ...s }));
  let used = widthOf(first);
  let empty = true;
  for (const span of spans) {
    for (const ch of span.text) {
      const w = codePointWidth(ch.codePointAt(0)!);
      if (!empty && used + w > width) {
        lines.push(line);
        line = rest.map((s) => ({ ...s }));
        used = widthOf(rest);
      }
      pushSpan(line, ch, span.style);
      used += w;
      empty = false;
    }
  }
  lines.push(line);
  return lines.map(encodeSpans);
}
