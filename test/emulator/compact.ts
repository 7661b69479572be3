/**
 * OpenAI's compaction, both forms:
 *
 * - Remote: `POST /responses/compact` takes a Responses-shaped body (model, instructions, input,
 *   tools, …) and answers a `response.compaction` object whose `output` is every user message of the
 *   input followed by one opaque `compaction` item (SDK type `CompactedResponse`). Codex sends its
 *   history there and replaces the history with that output.
 * - Server-side (in-band): a `/responses` request with
 *   `context_management: [{ type: "compaction", compact_threshold: N }]` is compacted by the server
 *   when its rendered tokens cross N; the same stream then carries a `compaction` output item before
 *   the model's output (OpenAI's compaction guide). The next request sends that item back.
 */
import type { IdGenerator } from './ids.js';
import { opaqueContent } from './responses-wire.js';
import { estimateTokens } from './tokens.js';

type Json = Record<string, unknown>;

export interface CompactContext {
  ids: IdGenerator;
  body: Json;
  createdAt: number;
  inputTokens: number;
  cachedTokens: number;
}

function userMessages(input: unknown): Json[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return [];
  return input.filter(
    (item): item is Json =>
      !!item &&
      typeof item === 'object' &&
      (item as Json).role === 'user' &&
      ((item as Json).type ?? 'message') === 'message',
  );
}

function asOutputMessage(message: Json, ids: IdGenerator): Json {
  const content =
    typeof message.content === 'string'
      ? [{ type: 'input_text', text: message.content }]
      : (message.content ?? []);
  return { id: ids.next('msg'), type: 'message', status: 'completed', content, role: 'user' };
}

/** The `/responses/compact` answer; `output` replaces the default items when a step scripts it. */
export function buildCompactedResponse(
  ctx: CompactContext,
  step: { output?: unknown[]; encrypted_content?: string } | undefined,
): Json {
  let output: unknown[];
  if (step?.output) {
    output = step.output;
  } else {
    const messages = userMessages(ctx.body.input).map((message) => asOutputMessage(message, ctx.ids));
    const id = ctx.ids.next('cmp');
    const encrypted =
      step?.encrypted_content ?? opaqueContent('compaction', id, { items: countItems(ctx.body.input) });
    output = [...messages, { id, type: 'compaction', encrypted_content: encrypted }];
  }
  const outputTokens = estimateTokens(JSON.stringify(output));
  return {
    id: ctx.ids.next('resp'),
    object: 'response.compaction',
    created_at: ctx.createdAt,
    output,
    usage: {
      input_tokens: ctx.inputTokens,
      input_tokens_details: { cached_tokens: ctx.cachedTokens },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: ctx.inputTokens + outputTokens,
    },
  };
}

function countItems(input: unknown): number {
  return Array.isArray(input) ? input.length : 1;
}

/** The threshold of a request's server-side compaction, when it asked for one. */
export function serverCompactionThreshold(body: Json): number | undefined {
  if (!Array.isArray(body.context_management)) return undefined;
  for (const entry of body.context_management as Json[]) {
    if (entry?.type === 'compaction' && typeof entry.compact_threshold === 'number')
      return entry.compact_threshold;
  }
  return undefined;
}

/** The opaque content of an in-band compaction item. */
export function inBandCompactionContent(ids: IdGenerator, body: Json): string {
  return opaqueContent('compaction', ids.next('cmpseed'), { items: countItems(body.input) });
}
