/**
 * Tool calls over `tool_arguments_max_bytes`, as the model layer meets them in a stream: their input
 * is never kept. The call reaches history as a placeholder (same name and call id, a short note
 * instead of the input), so the next request stays small, and the `item_done` event says how large
 * it was, so the loop answers the call with the "over the limit" error instead of running it.
 */
import type { ToolCallItem } from '../protocol/items.js';

/** `tool_arguments_max_bytes`' default, for endpoints built without the configuration (tests). */
export const DEFAULT_MAX_TOOL_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * The largest stream event read whole, for a given call limit: a call at the limit, escaped inside
 * an event's JSON (quotes and backslashes double), plus the event's own fields.
 */
export function maxEventChars(maxToolInputBytes: number): number {
  return 2 * maxToolInputBytes + 1024 * 1024;
}

/**
 * At least how many UTF-8 bytes `text` has when that is over `max`, else undefined. Long strings are
 * judged by their length alone (every UTF-16 unit is at least one byte).
 */
export function bytesOver(text: string, max: number): number | undefined {
  if (text.length > max) return text.length;
  if (text.length <= max / 3) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > max ? bytes : undefined;
}

/** What an oversized call keeps in history instead of its input. */
export function placeholderCall(
  type: ToolCallItem['type'],
  name: string,
  callId: string,
  atLeastBytes: number,
  maxBytes: number,
): ToolCallItem {
  const note = `input of at least ${atLeastBytes} bytes omitted: over tool_arguments_max_bytes (${maxBytes}); the call was not run`;
  return type === 'function_call'
    ? { type, name, arguments: JSON.stringify({ omitted: note }), call_id: callId }
    : { type, name, input: `[${note}]`, call_id: callId };
}
