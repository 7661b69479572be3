/**
 * The model layer's contract: one request in, one stream of normalised events out.
 *
 * A wire client (Responses, Chat Completions) performs exactly one attempt per `stream()` call and
 * never throws: every failure is a terminal `failed` event carrying a classification, so the loop
 * that decides about retries has a single path.
 */

import type { HistoryItem } from '../protocol/items.js';
import type { OutputSchema, ReasoningEffort, ReasoningSummary, Verbosity } from '../protocol/settings.js';
import type { ToolSpec } from '../protocol/tool-spec.js';
import type { Usage } from '../protocol/usage.js';
import type { BodyDigests } from './body-encoder.js';

export interface ModelRequest {
  model: string;
  instructions: string;
  input: readonly HistoryItem[];
  tools: readonly ToolSpec[];
  parallelToolCalls: boolean;
  /** Present when the model reasons; also asks for `reasoning.encrypted_content`. */
  reasoning?: { effort?: ReasoningEffort; summary?: ReasoningSummary };
  /** Routes requests of one thread to the same cache (the thread id). */
  promptCacheKey: string;
  verbosity?: Verbosity;
  /** Structured output: a JSON Schema for the final message (prepared by `prepareOutputSchema`). */
  outputSchema?: OutputSchema;
  /** `none` asks for text only (the compaction checkpoint); default `auto`. */
  toolChoice?: 'auto' | 'none';
}

export type ModelErrorKind =
  | 'auth' // 401/403: bad or missing key
  | 'rate_limit' // 429 or rate_limit_exceeded
  | 'quota' // insufficient_quota: retrying will not help
  | 'server' // 5xx, server_error
  | 'network' // connection refused/reset, DNS, TLS
  | 'stream_closed' // the stream ended before response.completed
  | 'idle_timeout' // no event within the idle timeout
  | 'bad_response' // malformed event or body
  | 'context_length_exceeded'
  | 'invalid_request' // other 4xx
  | 'incomplete' // response.incomplete (max_output_tokens, content_filter)
  | 'aborted'; // the caller's signal

export interface ModelError {
  kind: ModelErrorKind;
  message: string;
  retryable: boolean;
  /** A delay the server asked for (Retry-After, "try again in 1.2s"). */
  retryAfterMs?: number;
  /** For `context_length_exceeded`: the window size the refusal names, when it names one. */
  contextWindow?: number;
  status?: number;
}

/** How large an oversized tool call's input was (UTF-8 bytes, at least) and the limit it broke. */
export interface OversizedInput {
  atLeastBytes: number;
  maxBytes: number;
}

/** The kind of output item a stream has started, for UIs that show items as they arrive. */
export type OutputItemKind = 'message' | 'reasoning' | 'function_call' | 'custom_tool_call' | 'other';

export type ModelEvent =
  | { type: 'created'; responseId?: string }
  | {
      type: 'item_added';
      outputIndex: number;
      kind: OutputItemKind;
      /** A message's phase, when the stream says it up front (see `MessagePhase`). */
      phase?: string;
    }
  | { type: 'text_delta'; outputIndex: number; delta: string }
  | { type: 'reasoning_delta'; outputIndex: number; delta: string }
  /** A finished output item, canonical (ids dropped), ready for history. */
  | {
      type: 'item_done';
      outputIndex: number;
      item: HistoryItem;
      /**
       * A tool call whose input was over the limit: `item` is a placeholder without it (see
       * oversized-calls.ts); the call must be answered with the limit error, not run.
       */
      oversizedInput?: OversizedInput;
    }
  | { type: 'completed'; responseId?: string; usage: Usage }
  | { type: 'failed'; error: ModelError };

export type CompactOutcome =
  | { ok: true; items: HistoryItem[]; usage: Usage }
  | { ok: false; error: ModelError };

export interface ModelClient {
  /** One attempt. Ends with exactly one `completed` or `failed` event; never throws. */
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
  /**
   * The body `stream()` sends for `request`, and its wire (for the rollout's `request` lines), with
   * the digests of its bytes when the client can give them without serialising the body again.
   */
  requestBody?(request: ModelRequest): {
    wire: 'responses' | 'chat';
    body: Record<string, unknown>;
    digests?: BodyDigests;
  };
  /**
   * Remote compaction (`POST /responses/compact`), where the wire has it: the history's compacted
   * replacement, including the opaque `compaction` item. Never throws.
   */
  compact?(request: ModelRequest, signal: AbortSignal): Promise<CompactOutcome>;
  /** Releases what the client holds open between requests (a WebSocket connection). */
  close?(): void;
}
