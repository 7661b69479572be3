/**
 * Keyword highlighting for fenced code blocks: strings, comments, numbers and the keywords of a
 * few common languages. Deliberately simple (one line at a time, no grammar): it colours, it does
 * not parse.
 */
import type { Style } from '../terminal/ansi.js';
import type { Span } from '../terminal/width.js';

const JS = `break case catch class const continue debugger default delete do else export extends finally for
  from function if import in instanceof let new of return static super switch this throw try typeof var void
  while with yield async await interface type enum implements private protected public readonly declare
  namespace abstract as satisfies keyof null undefined true false`;
const PYTHON = `and as assert async await break class continue def del elif else except finally for from global if
  import in is lambda nonlocal not or pass raise return try while with yield None True False self`;
const RUST = `as async await break const continue crate dyn else enum extern false fn for if impl in let loop match
  mod move mut pub ref return self Self static struct super trait true type unsafe use where while Some None
  Ok Err`;
const GO = `break case chan const continue default defer else fallthrough for func go goto if import interface map
  package range return select struct switch type var nil true false`;
const SHELL = `if then else elif fi case esac for while until do done in function return exit export local
  readonly set unset echo cd source`;
const C = `auto break case char const continue default do double else enum extern float for goto if inline int long
  register return short signed sizeof static struct switch typedef union unsigned void volatile while class
  namespace template typename public private protected virtual new delete nullptr true false include define`;

const words = (list: string) => new Set(list.split(/\s+/).filter(Boolean));

interface Language {
  keywords: Set<string>;
  /** Line comment starters. */
  comments: string[];
}

function language(lang: string): Language {
  switch (lang.toLowerCase()) {
    case 'js':
    case 'javascript':
    case 'jsx':
    case 'ts':
    case 'typescript':
    case 'tsx':
    case 'mjs':
    case 'cjs':
      return { keywords: words(JS), comments: ['//'] };
    case 'py':
    case 'python':
      return { keywords: words(PYTHON), comments: ['#'] };
    case 'rs':
    case 'rust':
      return { keywords: words(RUST), comments: ['//'] };
    case 'go':
      return { keywords: words(GO), comments: ['//'] };
    case 'sh':
    case 'bash':
    case 'zsh':
    case 'shell':
    case 'console':
      return { keywords: words(SHELL), comments: ['#'] };
    case 'c':
    case 'h':
    case 'cpp':
    case 'c++':
    case 'java':
    case 'cs':
    case 'kotlin':
    case 'swift':
      return { keywords: words(C), comments: ['//'] };
    case 'json':
      return { keywords: words('true false null'), comments: [] };
    case 'toml':
    case 'yaml':
    case 'yml':
      return { keywords: words('true false null'), comments: ['#'] };
    default:
      return { keywords: words(`${JS} ${PYTHON} ${RUST} ${GO}`), comments: ['//', '#'] };
  }
}

const STYLES = {
  keyword: { fg: 'magenta' },
  string: { fg: 'green' },
  comment: { fg: 'gray', italic: true },
  number: { fg: 'yellow' },
  added: { fg: 'green' },
  removed: { fg: 'red' },
  hunk: { fg: 'cyan' },
} satisfies Record<string, Style>;

const TOKEN = /("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`(?:[^`\\]|\\.)*`?)|(\b\d[\w.]*)|([A-Za-z_$][\w$]*)/g;

/** One line of code in `lang` as styled spans. */
export function highlightLine(line: string, lang: string): Span[] {
  if (lang === 'diff' || lang === 'patch') {
    if (line.startsWith('+')) return [{ text: line, style: STYLES.added }];
    if (line.startsWith('-')) return [{ text: line, style: STYLES.removed }];
    if (line.startsWith('@@')) return [{ text: line, style: STYLES.hunk }];
    return [{ text: line }];
  }
  const { keywords, comments } = language(lang);
  const spans: Span[] = [];
  let index = 0;
  const plain = (text: string) => {
    if (text) spans.push({ text });
  };
  TOKEN.lastIndex = 0;
  for (;;) {
    // A comment starts before the next token (outside strings): the rest of the line is comment.
    const match = TOKEN.exec(line);
    const next = match ? match.index : line.length;
    const commentAt = firstComment(line, index, next, comments);
    if (commentAt >= 0) {
      plain(line.slice(index, commentAt));
      spans.push({ text: line.slice(commentAt), style: STYLES.comment });
      return spans;
    }
    if (!match) break;
    plain(line.slice(index, match.index));
    const [text, str, num, ident] = match;
    if (str) spans.push({ text, style: STYLES.string });
    else if (num) spans.push({ text, style: STYLES.number });
    else if (ident && keywords.has(ident)) spans.push({ text, style: STYLES.keyword });
    else plain(text);
    index = match.index + text.length;
  }
  plain(line.slice(index));
  return spans;
}

function firstComment(line: string, from: number, to: number, starters: readonly string[]): number {
  let best = -1;
  for (const starter of starters) {
    const at = line.indexOf(starter, from);
    if (at < 0 || at >= to) continue;
    // `#` starts a comment only at a word boundary (not `a#b`, not `#!` handled as comment anyway).
    if (starter === '#' && at > 0 && /\S/.test(line[at - 1]!)) continue;
    if (best < 0 || at < best) best = at;
  }
  return best;
}
