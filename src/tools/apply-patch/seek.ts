/**
 * Finding a patch's lines in a file, with decreasing strictness as Codex does (seek_sequence.rs):
 * exact, then ignoring trailing whitespace, then ignoring surrounding whitespace, then also treating
 * typographic punctuation (dashes, quotes, odd spaces) as its ASCII form. Each level scans every
 * position before the next level is tried, so an exact match always wins over a fuzzy one.
 */

export type MatchLevel = 'exact' | 'trim-end' | 'trim' | 'punctuation';

interface SeekMatch {
  index: number;
  level: MatchLevel;
}

const PUNCTUATION: Record<string, string> = {};
for (const c of '\u2010\u2011\u2012\u2013\u2014\u2015\u2212') PUNCTUATION[c] = '-';
for (const c of '\u2018\u2019\u201A\u201B') PUNCTUATION[c] = "'";
for (const c of '\u201C\u201D\u201E\u201F') PUNCTUATION[c] = '"';
for (const c of '\u00A0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u202F\u205F\u3000')
  PUNCTUATION[c] = ' ';
const PUNCTUATION_CHARS = new RegExp(`[${Object.keys(PUNCTUATION).join('')}]`, 'g');

/** Trimmed, with typographic punctuation replaced by ASCII. */
export function normalisePunctuation(line: string): string {
  return line.trim().replace(PUNCTUATION_CHARS, (c) => PUNCTUATION[c] ?? c);
}

const LEVELS: ReadonlyArray<{ level: MatchLevel; key: (s: string) => string }> = [
  { level: 'exact', key: (s) => s },
  { level: 'trim-end', key: (s) => s.trimEnd() },
  { level: 'trim', key: (s) => s.trim() },
  { level: 'punctuation', key: normalisePunctuation },
];

/**
 * Index of the first occurrence of `pattern` in `lines` at or after `start`. With `eof`, only the
 * position that ends at the last line is tried (the chunk said `*** End of File`). An empty pattern
 * matches at `start`.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  eof: boolean,
): SeekMatch | undefined {
  if (pattern.length === 0) return { index: start, level: 'exact' };
  if (pattern.length > lines.length) return undefined;
  const last = lines.length - pattern.length;
  const from = eof ? last : start;
  for (const { level, key } of LEVELS) {
    const wanted = pattern.map(key);
    const first = wanted[0] as string;
    // Keys of file lines are computed lazily: most positions fail on the first line.
    const cache = level === 'exact' ? undefined : new Map<number, string>();
    const keyAt = (i: number): string => {
      if (!cache) return lines[i] as string;
      let k = cache.get(i);
      if (k === undefined) {
        k = key(lines[i] as string);
        cache.set(i, k);
      }
      return k;
    };
    for (let i = from; i <= last; i++) {
      if (keyAt(i) !== first) continue;
      let ok = true;
      for (let j = 1; j < wanted.length; j++) {
        if (keyAt(i + j) !== wanted[j]) {
          ok = false;
          break;
        }
      }
      if (ok) return { index: i, level };
    }
  }
  return undefined;
}
