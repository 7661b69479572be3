/**
 * Terminal input → key events. Handles CSI and SS3 sequences (arrows, Home/End, Delete, paging,
 * xterm modifiers, `modifyOtherKeys` and the kitty protocol's `CSI u`), Alt as an ESC prefix,
 * bracketed paste, mode reports, and a lone Escape (told apart from a sequence by a short wait).
 */

export type KeyName =
  | 'text'
  | 'enter'
  /** A newline in the text: Shift/Alt+Enter, Ctrl+J. */
  | 'newline'
  | 'backspace'
  | 'delete'
  | 'tab'
  | 'backtab'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'insert'
  | 'paste'
  /** A DECRQM answer: `mode` and its state (0 unknown, 1 set, 2 reset, 3 permanently set, 4 permanently reset). */
  | 'mode-report'
  | 'unknown';

export interface Key {
  name: KeyName;
  /** For `text` and `paste`: the characters; for Ctrl/Alt letters: the letter. */
  text?: string;
  ctrl?: boolean;
  alt?: boolean;
  shift?: boolean;
  mode?: number;
  modeValue?: number;
}

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** How long a lone ESC waits for the rest of a sequence. */
export const ESCAPE_WAIT_MS = 30;

function modifiers(code: number | undefined): Pick<Key, 'ctrl' | 'alt' | 'shift'> {
  if (code === undefined || code < 2) return {};
  const bits = code - 1;
  const out: Pick<Key, 'ctrl' | 'alt' | 'shift'> = {};
  if (bits & 1) out.shift = true;
  if (bits & 2) out.alt = true;
  if (bits & 4) out.ctrl = true;
  return out;
}

const CSI_LETTER: Record<string, KeyName> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
};

const CSI_TILDE: Record<number, KeyName> = {
  1: 'home',
  2: 'insert',
  3: 'delete',
  4: 'end',
  5: 'pageup',
  6: 'pagedown',
  7: 'home',
  8: 'end',
};

/** A key from a Unicode code point with modifiers (`CSI u`, `CSI 27;m;c~`). */
function keyFromCode(code: number, mods: Pick<Key, 'ctrl' | 'alt' | 'shift'>): Key {
  if (code === 13) return mods.shift || mods.alt || mods.ctrl ? { name: 'newline' } : { name: 'enter' };
  if (code === 9) return mods.shift ? { name: 'backtab' } : { name: 'tab' };
  if (code === 27) return { name: 'escape' };
  if (code === 127 || code === 8) return { name: 'backspace', ...mods };
  const text = String.fromCodePoint(code);
  if (mods.ctrl || mods.alt) return { name: 'text', text: text.toLowerCase(), ...mods };
  return { name: 'text', text };
}

/** One control byte (not ESC) as a key. */
function controlKey(ch: string): Key {
  switch (ch) {
    case '\r':
      return { name: 'enter' };
    case '\n':
      return { name: 'newline' };
    case '\t':
      return { name: 'tab' };
    case '\x7f':
    case '\b':
      return { name: 'backspace' };
    case '\x00':
      return { name: 'text', text: ' ', ctrl: true };
  }
  const code = ch.charCodeAt(0);
  if (code >= 1 && code <= 26) return { name: 'text', text: String.fromCharCode(code + 96), ctrl: true };
  return { name: 'unknown' };
}

export class KeyParser {
  private buffer = '';
  private paste: string | undefined;
  private escapeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly emit: (key: Key) => void) {}

  /** Feeds terminal input (decoded UTF-8). */
  feed(data: string): void {
    if (this.escapeTimer) {
      clearTimeout(this.escapeTimer);
      this.escapeTimer = undefined;
    }
    this.buffer += data;
    this.drain();
  }

  /** Stops waiting for the rest of an escape sequence. */
  dispose(): void {
    if (this.escapeTimer) clearTimeout(this.escapeTimer);
    this.escapeTimer = undefined;
  }

  private drain(): void {
    while (this.buffer.length > 0) {
      if (this.paste !== undefined) {
        const end = this.buffer.indexOf(PASTE_END);
        if (end < 0) {
          // Keep a possible partial end marker in the buffer.
          const keep = this.partialSuffix(this.buffer, PASTE_END);
          this.paste += this.buffer.slice(0, this.buffer.length - keep);
          this.buffer = this.buffer.slice(this.buffer.length - keep);
          return;
        }
        const text = this.paste + this.buffer.slice(0, end);
        this.paste = undefined;
        this.buffer = this.buffer.slice(end + PASTE_END.length);
        this.emit({ name: 'paste', text: text.replace(/\r\n?/g, '\n') });
        continue;
      }
      const ch = this.buffer[0]!;
      if (ch === '\x1b') {
        if (!this.parseEscape()) return;
        continue;
      }
      if (ch < ' ' || ch === '\x7f') {
        this.buffer = this.buffer.slice(1);
        this.emit(controlKey(ch));
        continue;
      }
      // A run of printable text; a chunk with line breaks inside is a paste without bracketing.
      const match = /^[^\x00-\x1f\x7f\x1b]+/.exec(this.buffer)!;
      let text = match[0];
      const after = this.buffer.slice(text.length);
      const unbracketed = /^[\r\n][^\x00-\x08\x0b\x0c\x0e-\x1f\x1b\x7f]*/.exec(after);
      if (unbracketed && /\S/.test(unbracketed[0])) {
        text += unbracketed[0];
        this.buffer = this.buffer.slice(text.length);
        this.emit({ name: 'paste', text: text.replace(/\r\n?/g, '\n') });
        continue;
      }
      this.buffer = after;
      this.emit({ name: 'text', text });
    }
  }

  /** How many characters at the end of `text` could start `marker`. */
  private partialSuffix(text: string, marker: string): number {
    for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
      if (marker.startsWith(text.slice(text.length - n))) return n;
    }
    return 0;
  }

  /** Parses an escape sequence at the start of the buffer; false when it is incomplete. */
  private parseEscape(): boolean {
    const buf = this.buffer;
    if (buf.length === 1) {
      // A lone ESC: the Escape key, unless the rest of a sequence follows at once.
      this.escapeTimer = setTimeout(() => {
        this.escapeTimer = undefined;
        if (this.buffer === '\x1b') {
          this.buffer = '';
          this.emit({ name: 'escape' });
        }
      }, ESCAPE_WAIT_MS);
      return false;
    }
    const second = buf[1]!;
    if (second === '[') return this.parseCsi();
    if (second === 'O') {
      if (buf.length < 3) return this.waitForMore();
      const letter = buf[2]!;
      this.buffer = buf.slice(3);
      const name = CSI_LETTER[letter];
      this.emit(name ? { name } : { name: 'unknown' });
      return true;
    }
    if (second === '\x1b') {
      this.buffer = buf.slice(1);
      this.emit({ name: 'escape' });
      return true;
    }
    // Alt+key: ESC followed by the key.
    const ch = String.fromCodePoint(buf.codePointAt(1)!);
    this.buffer = buf.slice(1 + ch.length);
    if (ch === '\r') this.emit({ name: 'newline' });
    else if (ch === '\x7f' || ch === '\b') this.emit({ name: 'backspace', alt: true });
    else if (ch < ' ') this.emit({ ...controlKey(ch), alt: true });
    else this.emit({ name: 'text', text: ch, alt: true });
    return true;
  }

  private waitForMore(): boolean {
    this.escapeTimer = setTimeout(() => {
      this.escapeTimer = undefined;
      // Never completed: drop it rather than insert its bytes as text.
      this.buffer = '';
    }, ESCAPE_WAIT_MS);
    return false;
  }

  private parseCsi(): boolean {
    const buf = this.buffer;
    const match = /^\x1b\[([0-?]*)([ -/]*)([@-~])/.exec(buf);
    if (!match) {
      if (/^\x1b\[[0-?]*[ -/]*$/.test(buf)) return this.waitForMore();
      // Not a CSI sequence after all: ESC [ as Alt+[.
      this.buffer = buf.slice(2);
      this.emit({ name: 'text', text: '[', alt: true });
      return true;
    }
    const [whole, params = '', intermediates = '', final] = match;
    this.buffer = buf.slice(whole.length);
    if (whole === PASTE_START) {
      this.paste = '';
      return true;
    }
    if (params.startsWith('?') && intermediates === '$' && final === 'y') {
      const [mode, value] = params.slice(1).split(';').map(Number);
      this.emit({ name: 'mode-report', mode, modeValue: value });
      return true;
    }
    const numbers = params.split(';').map((p) => (p === '' ? undefined : Number(p.split(':')[0])));
    if (final === '~') {
      const [code, mod, key] = numbers;
      if (code === 27 && key !== undefined) {
        this.emit(keyFromCode(key, modifiers(mod)));
        return true;
      }
      const name = code === undefined ? undefined : CSI_TILDE[code];
      this.emit(name ? { name, ...modifiers(mod) } : { name: 'unknown' });
      return true;
    }
    if (final === 'u') {
      const [code, mod] = numbers;
      this.emit(code === undefined ? { name: 'unknown' } : keyFromCode(code, modifiers(mod)));
      return true;
    }
    if (final === 'Z') {
      this.emit({ name: 'backtab' });
      return true;
    }
    const name = CSI_LETTER[final!];
    this.emit(name ? { name, ...modifiers(numbers[1]) } : { name: 'unknown' });
    return true;
  }
}
