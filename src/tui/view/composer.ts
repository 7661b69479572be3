/**
 * The prompt editor: multi-line text with a caret, line editing keys, history (↑/↓ at the first
 * or last line), and large pastes kept out of the way as a placeholder that is expanded when the
 * prompt is sent.
 */
import { paint } from '../terminal/ansi.js';
import { codePointWidth } from '../terminal/width.js';

/** Pastes longer than this show as a placeholder in the editor. */
export const LARGE_PASTE_CHARS = 1000;

const PROMPT = '› ';
const PROMPT_WIDTH = 2;

interface ComposerView {
  lines: string[];
  cursor: { row: number; col: number };
}

function prevBoundary(text: string, index: number): number {
  if (index <= 0) return 0;
  const code = text.charCodeAt(index - 1);
  return code >= 0xdc00 && code <= 0xdfff && index >= 2 ? index - 2 : index - 1;
}

function nextBoundary(text: string, index: number): number {
  if (index >= text.length) return text.length;
  const code = text.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff ? index + 2 : index + 1;
}

export class Composer {
  text = '';
  cursor = 0;
  private readonly pastes = new Map<string, string>();
  private pasteCount = 0;
  private readonly history: string[];
  /** Position in the history while browsing it (history.length: the draft). */
  private historyIndex: number;
  private draft = '';

  constructor(history: readonly string[] = []) {
    this.history = [...history];
    this.historyIndex = this.history.length;
  }

  get isEmpty(): boolean {
    return this.text === '';
  }

  setText(text: string, cursor = text.length): void {
    this.text = text;
    this.cursor = Math.max(0, Math.min(cursor, text.length));
  }

  clear(): void {
    this.setText('');
    this.pastes.clear();
    this.historyIndex = this.history.length;
  }

  insert(text: string): void {
    this.text = this.text.slice(0, this.cursor) + text + this.text.slice(this.cursor);
    this.cursor += text.length;
  }

  /** Pasted text: inserted as is, or as a placeholder when large. */
  paste(text: string): void {
    const clean = text.replace(/\r\n?/g, '\n');
    if (clean.length <= LARGE_PASTE_CHARS) {
      this.insert(clean);
      return;
    }
    const lines = clean.split('\n').length;
    const placeholder = `[Pasted text #${++this.pasteCount}: ${clean.length.toLocaleString('en-US')} chars, ${lines} line${lines === 1 ? '' : 's'}]`;
    this.pastes.set(placeholder, clean);
    this.insert(placeholder);
  }

  backspace(): void {
    if (this.cursor === 0) return;
    const before = this.text.slice(0, this.cursor);
    for (const placeholder of this.pastes.keys()) {
      if (before.endsWith(placeholder)) {
        this.deleteRange(this.cursor - placeholder.length, this.cursor);
        this.pastes.delete(placeholder);
        return;
      }
    }
    this.deleteRange(prevBoundary(this.text, this.cursor), this.cursor);
  }

  deleteForward(): void {
    this.deleteRange(this.cursor, nextBoundary(this.text, this.cursor));
  }

  left(): void {
    this.cursor = prevBoundary(this.text, this.cursor);
  }

  right(): void {
    this.cursor = nextBoundary(this.text, this.cursor);
  }

  wordLeft(): void {
    let i = this.cursor;
    while (i > 0 && /\s/.test(this.text[i - 1]!)) i--;
    while (i > 0 && !/\s/.test(this.text[i - 1]!)) i--;
    this.cursor = i;
  }

  wordRight(): void {
    let i = this.cursor;
    while (i < this.text.length && /\s/.test(this.text[i]!)) i++;
    while (i < this.text.length && !/\s/.test(this.text[i]!)) i++;
    this.cursor = i;
  }

  deleteWordBack(): void {
    const end = this.cursor;
    this.wordLeft();
    this.deleteRange(this.cursor, end);
  }

  private lineStart(): number {
    return this.text.lastIndexOf('\n', this.cursor - 1) + 1;
  }

  private lineEnd(): number {
    const end = this.text.indexOf('\n', this.cursor);
    return end < 0 ? this.text.length : end;
  }

  home(): void {
    this.cursor = this.lineStart();
  }

  end(): void {
    this.cursor = this.lineEnd();
  }

  killToStart(): void {
    const start = this.lineStart();
    this.deleteRange(start === this.cursor && start > 0 ? start - 1 : start, this.cursor);
  }

  killToEnd(): void {
    const end = this.lineEnd();
    this.deleteRange(this.cursor, end === this.cursor && end < this.text.length ? end + 1 : end);
  }

  /** ↑: the line above, or the previous history entry on the first line. */
  up(): void {
    const start = this.lineStart();
    if (start === 0) {
      this.browseHistory(-1);
      return;
    }
    const column = this.cursor - start;
    const prevStart = this.text.lastIndexOf('\n', start - 2) + 1;
    this.cursor = Math.min(prevStart + column, start - 1);
  }

  /** ↓: the line below, or the next history entry on the last line. */
  down(): void {
    const end = this.lineEnd();
    if (end === this.text.length) {
      this.browseHistory(1);
      return;
    }
    const column = this.cursor - this.lineStart();
    const nextEnd = this.text.indexOf('\n', end + 1);
    this.cursor = Math.min(end + 1 + column, nextEnd < 0 ? this.text.length : nextEnd);
  }

  private browseHistory(step: number): void {
    const next = this.historyIndex + step;
    if (next < 0 || next > this.history.length) return;
    if (this.historyIndex === this.history.length) this.draft = this.text;
    this.historyIndex = next;
    this.setText(next === this.history.length ? this.draft : this.history[next]!);
  }

  /** The prompt to send (placeholders expanded); the editor is cleared and the prompt remembered. */
  submit(): string {
    const typed = this.text;
    let expanded = typed;
    for (const [placeholder, content] of this.pastes) expanded = expanded.split(placeholder).join(content);
    if (typed.trim() !== '' && this.history[this.history.length - 1] !== typed && this.pastes.size === 0)
      this.history.push(typed);
    this.clear();
    return expanded;
  }

  replaceRange(start: number, end: number, text: string): void {
    this.text = this.text.slice(0, start) + text + this.text.slice(end);
    this.cursor = start + text.length;
  }

  /** The `@word` the caret is in, if any (for file mentions). */
  mentionAtCursor(): { start: number; end: number; query: string } | undefined {
    const before = this.text.slice(0, this.cursor);
    const match = /(^|\s)@([^\s@]*)$/.exec(before);
    if (!match) return undefined;
    const start = this.cursor - match[2]!.length - 1;
    const after = /^[^\s]*/.exec(this.text.slice(this.cursor))![0];
    return { start, end: this.cursor + after.length, query: match[2]! + after };
  }

  /** The `/command` being typed (the whole text so far is one word starting with `/`). */
  commandPrefix(): string | undefined {
    const match = /^\/([\w-]*)$/.exec(this.text);
    return match ? match[1] : undefined;
  }

  private deleteRange(start: number, end: number): void {
    if (end <= start) return;
    this.text = this.text.slice(0, start) + this.text.slice(end);
    this.cursor = start;
  }

  /** The editor's lines at `width` (characters wrap; a prompt marker leads) and the caret's place. */
  render(width: number, placeholder = ''): ComposerView {
    const room = Math.max(1, width - PROMPT_WIDTH);
    const marker = paint(PROMPT, { bold: true, fg: 'cyan' });
    if (this.text === '') {
      return {
        lines: [marker + paint(placeholder.slice(0, room), { dim: true })],
        cursor: { row: 0, col: PROMPT_WIDTH },
      };
    }
    const lines: string[] = [];
    let row = '';
    let used = 0;
    let cursor = { row: 0, col: PROMPT_WIDTH };
    const flush = () => {
      lines.push((lines.length === 0 ? marker : '  ') + row);
      row = '';
      used = 0;
    };
    let index = 0;
    for (const ch of this.text) {
      if (index === this.cursor) cursor = { row: lines.length, col: PROMPT_WIDTH + used };
      if (ch === '\n') {
        flush();
      } else {
        const shown = ch < ' ' ? ' ' : ch;
        const w = codePointWidth(shown.codePointAt(0)!);
        if (used + w > room) flush();
        if (index === this.cursor) cursor = { row: lines.length, col: PROMPT_WIDTH + used };
        row += shown;
        used += w;
      }
      index += ch.length;
    }
    if (this.cursor >= this.text.length) {
      if (used >= room) {
        flush();
        cursor = { row: lines.length, col: PROMPT_WIDTH };
      } else cursor = { row: lines.length, col: PROMPT_WIDTH + used };
    }
    flush();
    return { lines, cursor };
  }
}
