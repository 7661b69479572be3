/**
 * When a patch's lines are not in the file, find the region that looks most like them, so the error
 * can show the model what the file really says there and it can retry with the right context.
 *
 * Similarity of two lines is 1 when they are equal after normalisation, else the Dice coefficient of
 * their character bigrams; a region's score is the sum over its lines. Only used on the error path.
 */
import { normalisePunctuation } from './seek.js';

interface ClosestRegion {
  /** 0-based index of the region's first line. */
  index: number;
  /** Lines of the region that equal the pattern's line (after normalisation). */
  equalLines: number;
  /** Mean similarity, 0..1. */
  similarity: number;
}

/** Regions below this mean similarity are not worth showing. */
const MIN_SIMILARITY = 0.3;
/** Bounds the work on huge files (positions × pattern lines). */
const MAX_COMPARISONS = 4_000_000;

function bigrams(s: string): Uint32Array {
  const out = new Uint32Array(Math.max(0, s.length - 1));
  for (let i = 0; i + 1 < s.length; i++) out[i] = (s.charCodeAt(i) << 16) | s.charCodeAt(i + 1);
  return out.sort();
}

function dice(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return (2 * common) / (a.length + b.length);
}

export function findClosestRegion(
  lines: readonly string[],
  pattern: readonly string[],
): ClosestRegion | undefined {
  if (pattern.length === 0 || lines.length === 0) return undefined;
  const width = Math.min(pattern.length, lines.length);
  const positions = lines.length - width + 1;
  const stride = Math.max(1, Math.ceil((positions * width) / MAX_COMPARISONS));
  const wanted = pattern.slice(0, width).map(normalisePunctuation);
  const wantedGrams = wanted.map(bigrams);
  const keys = new Map<number, { norm: string; grams: Uint32Array }>();
  const keyOf = (i: number) => {
    let k = keys.get(i);
    if (!k) {
      const norm = normalisePunctuation(lines[i] as string);
      k = { norm, grams: bigrams(norm) };
      keys.set(i, k);
    }
    return k;
  };
  let best: ClosestRegion | undefined;
  let bestScore = -1;
  for (let start = 0; start < positions; start += stride) {
    let score = 0;
    let equal = 0;
    for (let j = 0; j < width; j++) {
      const k = keyOf(start + j);
      if (k.norm === wanted[j]) {
        score += 1;
        equal++;
      } else {
        score += dice(k.grams, wantedGrams[j] as Uint32Array);
      }
    }
    if (score > bestScore) {
      bestScore = score;
      best = { index: start, equalLines: equal, similarity: score / width };
    }
  }
  return best && best.similarity >= MIN_SIMILARITY ? best : undefined;
}

/** `  12 | text` lines for a region of the file (1-based numbers). */
export function formatRegion(lines: readonly string[], index: number, count: number): string {
  const end = Math.min(lines.length, index + count);
  const width = String(end).length;
  const out: string[] = [];
  for (let i = index; i < end; i++) out.push(`${String(i + 1).padStart(width)} | ${lines[i]}`);
  return out.join('\n');
}
