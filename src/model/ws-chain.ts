/**
 * What a request over the Responses WebSocket connection sends: after a response completed on the
 * connection, the server holds that response's whole context (its request's input, then its output
 * items); a request whose settings are the same and whose input starts with exactly that context
 * sends only the items after it, with `previous_response_id`. Any other request (the first, one
 * after a compaction or a rollback, one with other tools or instructions) sends everything. Pure.
 */
import type { HistoryItem } from '../protocol/items.js';

/** The previous response on this connection, as the server keeps it. */
export interface ChainState {
  responseId: string;
  /** The previous request's body without `input`, serialised (settings must match to chain). */
  settings: string;
  /** The previous request's input, then the previous response's output items. */
  context: readonly HistoryItem[];
}

/** A request body's settings: everything but `input`, serialised. */
export function settingsKey(body: Record<string, unknown>): string {
  const { input: _input, ...rest } = body;
  return JSON.stringify(rest);
}

function sameItem(a: HistoryItem | undefined, b: HistoryItem | undefined): boolean {
  // History items are appended and never changed, so the same object is the common case.
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The items of `input` after the chain's context, or undefined when `input` does not extend it. */
function itemsAfter(
  input: readonly HistoryItem[],
  context: readonly HistoryItem[],
): HistoryItem[] | undefined {
  if (input.length < context.length) return undefined;
  for (let i = context.length - 1; i >= 0; i--) {
    if (!sameItem(input[i], context[i])) return undefined;
  }
  return input.slice(context.length);
}

/**
 * The `response.create` message for an HTTP request body: the same fields (the transport-only
 * `stream` left out), and with a matching chain only the new input after `previous_response_id`.
 */
export function createMessage(
  body: Record<string, unknown>,
  chain: ChainState | undefined,
): { message: Record<string, unknown>; chained: boolean } {
  const { stream: _stream, ...fields } = body;
  const input = body.input as readonly HistoryItem[];
  const after = chain && chain.settings === settingsKey(body) ? itemsAfter(input, chain.context) : undefined;
  if (!chain || !after) return { message: { type: 'response.create', ...fields }, chained: false };
  const { input: _input, ...settings } = fields;
  return {
    message: { type: 'response.create', ...settings, previous_response_id: chain.responseId, input: after },
    chained: true,
  };
}
