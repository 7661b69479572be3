/**
 * The escape sequences the terminal UI writes, and SGR styling. Nothing here clears the screen:
 * the UI renders on the main screen and never erases what is above its live region.
 */

export const ansi = {
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  /** Erase from the cursor to the end of the line. */
  eraseLineEnd: '\x1b[K',
  /** Erase from the cursor to the end of the screen (only what is below the live region's top). */
  eraseDown: '\x1b[J',
  /** DEC mode 2026: the terminal shows the frame between begin and end at once. */
  syncBegin: '\x1b[?2026h',
  syncEnd: '\x1b[?2026l',
  /** DECRQM for mode 2026: the answer says whether synchronized output is supported. */
  querySync: '\x1b[?2026$p',
  bracketedPasteOn: '\x1b[?2004h',
  bracketedPasteOff: '\x1b[?2004l',
  up: (n: number) => (n > 0 ? `\x1b[${n}A` : ''),
  down: (n: number) => (n > 0 ? `\x1b[${n}B` : ''),
  /** Moves to column `col` (0-based) of the current line. */
  column: (col: number) => `\x1b[${col + 1}G`,
} as const;

/** SGR styles; every styled piece of text ends with a reset, so lines can be diffed independently. */
export interface Style {
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
  /** Foreground: a basic colour name or a 256-colour index. */
  fg?: Color | number;
  bg?: Color | number;
}

export type Color = 'black' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'white' | 'gray';

const FG: Record<Color, number> = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
};

function sgr(style: Style): string {
  const codes: Array<number | string> = [];
  if (style.bold) codes.push(1);
  if (style.dim) codes.push(2);
  if (style.italic) codes.push(3);
  if (style.underline) codes.push(4);
  if (style.inverse) codes.push(7);
  if (style.strike) codes.push(9);
  if (style.fg !== undefined) codes.push(typeof style.fg === 'number' ? `38;5;${style.fg}` : FG[style.fg]);
  if (style.bg !== undefined)
    codes.push(typeof style.bg === 'number' ? `48;5;${style.bg}` : FG[style.bg] + 10);
  return codes.length === 0 ? '' : `\x1b[${codes.join(';')}m`;
}

const RESET = '\x1b[0m';

/** `text` in `style` (followed by a reset); plain text when the style is empty. */
export function paint(text: string, style: Style): string {
  const open = sgr(style);
  return open === '' || text === '' ? text : `${open}${text}${RESET}`;
}
