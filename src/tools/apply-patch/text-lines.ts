/**
 * A text file as lines that remember their own terminators, so an update can rewrite some lines and
 * leave every other byte as it was (CRLF files stay CRLF, mixed files stay mixed).
 */

export type LineEnding = '\n' | '\r\n' | '\r' | '';

export interface SourceLine {
  text: string;
  /** '' only for a last line without a terminator. */
  eol: LineEnding;
}

interface SourceText {
  /** A UTF-8 byte order mark, kept out of the first line so matching ignores it. */
  bom: string;
  lines: SourceLine[];
  /** The ending used for lines the patch adds: the file's first line ending (as rustfmt and Codex do). */
  preferredEol: Exclude<LineEnding, ''>;
}

const TERMINATOR = /\r\n|\n|\r/g;

export function splitSourceLines(content: string): SourceText {
  const bom = content.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = bom ? content.slice(1) : content;
  const lines: SourceLine[] = [];
  let preferredEol: SourceText['preferredEol'] | undefined;
  let start = 0;
  for (const match of body.matchAll(TERMINATOR)) {
    const eol = match[0] as SourceText['preferredEol'];
    lines.push({ text: body.slice(start, match.index), eol });
    preferredEol ??= eol;
    start = match.index + eol.length;
  }
  if (start < body.length) lines.push({ text: body.slice(start), eol: '' });
  return { bom, lines, preferredEol: preferredEol ?? '\n' };
}

/** Joins lines back; every line gets a terminator, so the file ends with a newline. */
export function joinSourceLines(bom: string, lines: readonly SourceLine[], preferredEol: string): string {
  const parts: string[] = [bom];
  for (const line of lines) parts.push(line.text, line.eol === '' ? preferredEol : line.eol);
  return parts.join('');
}
