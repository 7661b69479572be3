/**
 * Middle truncation of command output for the model, in Codex's shape: keep the beginning and the
 * end, replace the middle with `…N tokens truncated…`, where a token is approximated as 4 bytes.
 */
import { type OutputText, utf8Prefix, utf8Suffix } from './output-capture.js';

const BYTES_PER_TOKEN = 4;

/** Codex's approximation: ceil(bytes / 4). */
export function approxTokensFromBytes(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

/** Lines as Rust's `str::lines()` counts them: a final newline does not start another line. */
export function countLines(text: string): number {
  if (text === '') return 0;
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return text.endsWith('\n') ? count : count + 1;
}

function truncationMarker(removedBytes: number): string {
  return `…${approxTokensFromBytes(removedBytes)} tokens truncated…`;
}

interface Truncated {
  text: string;
  /** Bytes not shown (0 when the text is complete). */
  removedBytes: number;
}

export function wholeText(text: string): OutputText {
  return { head: text, omittedBytes: 0, tail: '' };
}

/**
 * Fits `content` into `maxBytes` (plus the marker): half the budget for the head, half for the
 * tail, cut on character boundaries. Content that already lost its middle (a capture that dropped
 * bytes) always shows the marker, with the dropped bytes included in the count.
 */
export function truncateMiddle(content: OutputText, maxBytes: number): Truncated {
  const budget = Math.max(0, Math.floor(maxBytes));
  const head = Buffer.from(content.head, 'utf8');
  const tail = Buffer.from(content.tail, 'utf8');
  const total = head.length + content.omittedBytes + tail.length;

  let left: Buffer;
  let right: Buffer;
  if (content.omittedBytes === 0) {
    if (total <= budget) return { text: content.head + content.tail, removedBytes: 0 };
    const all = Buffer.concat([head, tail]);
    const leftBudget = Math.floor(budget / 2);
    left = utf8Prefix(all, leftBudget);
    right = utf8Suffix(all, budget - leftBudget);
  } else if (head.length + tail.length <= budget) {
    left = head;
    right = tail;
  } else {
    // Give each side half; a side that needs less hands the rest to the other.
    const half = Math.floor(budget / 2);
    const rightTake = Math.min(tail.length, budget - Math.min(head.length, half));
    const leftTake = Math.min(head.length, budget - rightTake);
    left = utf8Prefix(head, leftTake);
    right = utf8Suffix(tail, rightTake);
  }
  const removedBytes = total - left.length - right.length;
  return {
    text: `${left.toString('utf8')}${truncationMarker(removedBytes)}${right.toString('utf8')}`,
    removedBytes,
  };
}

/**
 * Codex's `formatted_truncate_text`: the text itself when it fits, otherwise the truncated text
 * preceded by `Total output lines: N` and a blank line.
 */
export function formattedTruncateText(content: OutputText, totalLines: number, maxTokens: number): string {
  const truncated = truncateMiddle(content, maxTokens * BYTES_PER_TOKEN);
  if (truncated.removedBytes === 0) return truncated.text;
  return `Total output lines: ${totalLines}\n\n${truncated.text}`;
}
