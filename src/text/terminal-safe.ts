/**
 * Text from a command or the model, made safe to show on a terminal. Every front end (exec's
 * stderr, the approval prompts, the TUI, and the command text the app-server puts in approval
 * requests) goes through these functions, so that what a person sees is what is there: no escape
 * sequence can clear the screen, retitle the window, move the cursor or hide text, and nothing
 * invisible (carriage returns, zero-width and bidi characters) can disguise a command.
 *
 * Two forms:
 * - `visibleText`: every character that could hide, move or reorder text is shown as an escape
 *   (`\r`, `\e`, `\u{202e}`). For what a person must see exactly: a command to approve or that ran,
 *   a path, a name, a rule.
 * - `terminalSafe`: for output and prose (command output, the model's text, error messages):
 *   escape sequences are removed whole, control characters dropped, a line redrawn with `\r`
 *   shows what a terminal would show, and bidi controls are made visible.
 *
 * Pure functions of their input; nothing here writes anywhere.
 */

const ESC = 0x1b;
const BEL = 0x07;

/** Code points that change the direction of the text around them (Trojan Source). */
function isBidiControl(cp: number): boolean {
  return (
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

/** Letters that render as blank space (Hangul fillers, the braille blank). */
const BLANK_LETTERS = new Set([0x115f, 0x1160, 0x3164, 0xffa0, 0x2800]);

/**
 * Code points `visibleText` escapes: controls (C0, DEL, C1), format characters (zero-width, bidi,
 * soft hyphen, tags), line and paragraph separators, spaces other than U+0020, blank letters and
 * lone surrogates.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/u;

function isHidden(ch: string, cp: number): boolean {
  return BLANK_LETTERS.has(cp) || HIDDEN.test(ch);
}

const NAMED_ESCAPES: Record<number, string> = {
  0: '\\0',
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  27: '\\e',
};

function escapeCodePoint(cp: number): string {
  const named = NAMED_ESCAPES[cp];
  if (named) return named;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return `\\u{${cp.toString(16)}}`;
}

/** Code points of `text`; a lone surrogate is its own code point (as `codePointAt` reads it). */
function* codePoints(text: string): Generator<[string, number]> {
  for (const ch of text) yield [ch, ch.codePointAt(0)!];
}

/** Whether `text` holds anything `visibleText` would escape (newlines aside, when kept). */
export function hasHiddenCharacters(text: string, options: { keepNewlines?: boolean } = {}): boolean {
  for (const [ch, cp] of codePoints(text)) {
    if (cp === 0x0a && options.keepNewlines) continue;
    if (isHidden(ch, cp)) return true;
  }
  return false;
}

/**
 * `text` with every character that could hide, move or reorder text written as a visible escape
 * (`\r`, `\e`, `\t`, `\x9b`, `\u{200b}`, …). When anything is escaped, backslashes are doubled too,
 * so an escape shown can never be confused with the same characters typed literally; text with
 * nothing to escape is returned unchanged. `keepNewlines` leaves line breaks as they are (a
 * multi-line script stays readable, every line of it shown).
 */
export function visibleText(text: string, options: { keepNewlines?: boolean } = {}): string {
  if (!hasHiddenCharacters(text, options)) return text;
  let out = '';
  for (const [ch, cp] of codePoints(text)) {
    if (cp === 0x0a && options.keepNewlines) out += ch;
    else if (ch === '\\') out += '\\\\';
    else if (isHidden(ch, cp)) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out;
}

/**
 * Where the escape sequence starting at `i` (an ESC or a C1 introducer) ends (exclusive). Strings
 * (OSC, DCS, SOS, PM, APC) end at their terminator (BEL or ST) or, when it never comes, at the end
 * of the line: a terminal would swallow the rest of the output, we only drop that line's rest.
 */
function sequenceEnd(text: string, i: number): number {
  const cp = text.charCodeAt(i);
  let kind: 'csi' | 'string' | 'escape';
  let j: number;
  if (cp === ESC) {
    const next = text.charCodeAt(i + 1);
    if (Number.isNaN(next)) return i + 1;
    j = i + 2;
    if (next === 0x5b /* [ */) kind = 'csi';
    else if (next === 0x5d /* ] */ || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f)
      kind = 'string';
    else if (next >= 0x20 && next <= 0x2f) {
      // nF: intermediates, then one final byte.
      while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
      return j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x7e ? j + 1 : j;
    } else if (next >= 0x30 && next <= 0x7e) return i + 2;
    else return i + 1;
  } else {
    j = i + 1;
    kind =
      cp === 0x9b
        ? 'csi'
        : cp === 0x9d || cp === 0x90 || cp === 0x98 || cp === 0x9e || cp === 0x9f
          ? 'string'
          : 'escape';
    if (kind === 'escape') return j;
  }
  if (kind === 'csi') {
    while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    return j < text.length && text.charCodeAt(j) >= 0x40 && text.charCodeAt(j) <= 0x7e ? j + 1 : j;
  }
  for (; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BEL || c === 0x9c) return j + 1;
    if (c === ESC && text.charCodeAt(j + 1) === 0x5c /* \ */) return j + 2;
    if (c === 0x0a) return j;
  }
  return j;
}

function isSequenceStart(cp: number): boolean {
  return cp === ESC || cp === 0x9b || cp === 0x9d || cp === 0x90 || cp === 0x98 || cp === 0x9e || cp === 0x9f;
}

/** A well-formed SGR sequence (colours and attributes): `ESC [ digits;… m`. */
const SGR = /^\x1b\[[0-9;:]*m$/;

/**
 * `text` without escape sequences (each removed whole, parameters and payload too) and without
 * control characters other than newline, tab and carriage return. `keepSgr` keeps well-formed
 * colour sequences (for lines whose styling was produced by us).
 */
function withoutSequences(text: string, keepSgr: boolean): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    if (isSequenceStart(cp)) {
      const end = sequenceEnd(text, i);
      const sequence = text.slice(i, end);
      if (keepSgr && SGR.test(sequence)) out += sequence;
      i = end;
      continue;
    }
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (cp === 0x0a || cp === 0x09 || cp === 0x0d) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (isBidiControl(cp)) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out;
}

/**
 * One line redrawn with carriage returns, as a terminal shows it: each part after a `\r` overwrites
 * the start of what came before (a progress bar shows its last state; nothing longer is lost).
 */
function overlayCarriageReturns(line: string): string {
  const parts = line.replace(/\r+$/, '').split('\r');
  if (parts.length === 1) return parts[0]!;
  let shown: string[] = [];
  for (const part of parts) {
    const chars = Array.from(part);
    shown = [...chars, ...shown.slice(chars.length)];
  }
  return shown.join('');
}

interface TerminalSafeOptions {
  /** Keep well-formed SGR (colour) sequences; everything else is still removed. */
  keepColours?: boolean;
}

/**
 * Output or prose made safe for a terminal: escape sequences removed whole, control characters
 * dropped (newlines and tabs kept), `\r` redraws resolved per line, bidi controls made visible,
 * lone surrogates replaced.
 */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  const cleaned = withoutSequences(text, options.keepColours ?? false);
  if (!cleaned.includes('\r')) return cleaned;
  return cleaned.split('\n').map(overlayCarriageReturns).join('\n');
}

/**
 * One line of a screen the UI composed (our own SGR styling around content): only SGR sequences
 * survive; any other sequence or control character (a newline, a tab, a `\r`) is removed, so
 * the line cannot move the cursor or span more than one row.
 */
export function safeStyledLine(line: string): string {
  const cleaned = withoutSequences(line, true);
  return cleaned.replace(/[\n\r]/g, '').replace(/\t/g, ' ');
}
