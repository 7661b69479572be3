/**
 * Deterministic ids: one counter per prefix and emulator, so the same script yields the same ids
 * (`resp_0001`, `msg_0001`, `call_0001`, …) and test output is reproducible.
 */
export class IdGenerator {
  private readonly counters = new Map<string, number>();

  next(prefix: string, separator = '_'): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${separator}${String(n).padStart(4, '0')}`;
  }
}

/**
 * OpenAI pads streamed deltas with an `obfuscation` string (random, to hide the delta's length on
 * the wire). Ours is deterministic: a few letters derived from the sequence number.
 */
export function obfuscationFor(sequence: number, deltaLength: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const length = 2 + ((sequence * 7 + deltaLength) % 14);
  let state = Math.imul(sequence + 1, 2654435761) >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out += alphabet[(state >>> 16) % alphabet.length];
  }
  return out;
}

/** Splits text into chunks of about `size` characters without cutting a surrogate pair. */
export function chunkText(text: string, size = 20): string[] {
  // Walks code points without an array of them (scripts may stream tens of megabytes).
  const chunks: string[] = [];
  let start = 0;
  let count = 0;
  for (let i = 0; i < text.length; ) {
    i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    if (++count === size) {
      chunks.push(text.slice(start, i));
      start = i;
      count = 0;
    }
  }
  if (start < text.length) chunks.push(text.slice(start));
  return chunks;
}
