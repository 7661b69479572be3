/**
 * The Responses API wire: turns a scripted step into the exact event sequence OpenAI streams
 * (`response.created` … `response.completed`), and into the plain response object for
 * `stream: false`. Pure: ids and clock come in through the context.
 *
 * Shapes follow the `openai` SDK's types (`resources/responses/responses.d.ts`) and captured
 * OpenAI streams: every event carries `type` and `sequence_number`; deltas carry `obfuscation`
 * unless the request opted out; reasoning items carry `encrypted_content` only when the request
 * asked for it with `include: ["reasoning.encrypted_content"]`, as OpenAI does.
 */
import type { IdGenerator } from './ids.js';
import { EventLog, type SseEvent, streamItem } from './responses-items.js';
import { argumentsText, type ResponseStep } from './script.js';
import { estimateTokens } from './tokens.js';

export { opaqueContent, type SseEvent } from './responses-items.js';

export interface ResponsesContext {
  ids: IdGenerator;
  body: Record<string, unknown>;
  createdAt: number;
  inputTokens: number;
  cachedTokens: number;
  /** Server-side compaction ran: a `compaction` item precedes the scripted output. */
  compaction?: { encrypted_content: string };
}

type Json = Record<string, unknown>;

function wantsEncryptedReasoning(body: Json): boolean {
  return Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content');
}

function wantsObfuscation(body: Json): boolean {
  const options = body.stream_options as Json | undefined;
  return options?.include_obfuscation !== false;
}

/** The response object as OpenAI echoes it, in a given state. */
export function responseObject(
  id: string,
  ctx: ResponsesContext,
  state: {
    status: string;
    output: Json[];
    usage: Json | null;
    error?: Json | null;
    incomplete?: Json | null;
  },
): Json {
  const body = ctx.body;
  const reasoning = (body.reasoning ?? {}) as Json;
  return {
    id,
    object: 'response',
    created_at: ctx.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incomplete ?? null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: body.model ?? null,
    output: state.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: state.usage,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** Output-side token counts: scripted, or estimated from the generated text. */
export function outputUsage(step: ResponseStep): { outputTokens: number; reasoningTokens: number } {
  let visible = '';
  let thought = '';
  for (const spec of step.output) {
    if (spec.type === 'message' || spec.type === 'refusal') visible += spec.text;
    else if (spec.type === 'function_call') visible += spec.name + argumentsText(spec);
    else if (spec.type === 'custom_tool_call') visible += spec.name + spec.input;
    else if (spec.type === 'reasoning') thought += (spec.summary ?? []).join('');
  }
  const hasReasoning = step.output.some((spec) => spec.type === 'reasoning');
  const reasoningTokens =
    step.usage?.reasoning_tokens ?? (hasReasoning ? Math.max(16, estimateTokens(thought) * 4) : 0);
  const outputTokens = step.usage?.output_tokens ?? estimateTokens(visible) + reasoningTokens;
  return { outputTokens, reasoningTokens };
}

export function responsesUsage(ctx: ResponsesContext, step: ResponseStep): Json {
  const { outputTokens, reasoningTokens } = outputUsage(step);
  return {
    input_tokens: ctx.inputTokens,
    input_tokens_details: { cached_tokens: ctx.cachedTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: ctx.inputTokens + outputTokens,
  };
}

/** The full event sequence for a scripted response, and the final response object. */
export function buildResponseEvents(
  step: ResponseStep,
  ctx: ResponsesContext,
): { events: SseEvent[]; response: Json } {
  const log = new EventLog(wantsObfuscation(ctx.body));
  const id = ctx.ids.next('resp');
  log.push('response.created', {
    response: responseObject(id, ctx, { status: 'in_progress', output: [], usage: null }),
  });
  log.push('response.in_progress', {
    response: responseObject(id, ctx, { status: 'in_progress', output: [], usage: null }),
  });
  const output: Json[] = [];
  if (ctx.compaction) {
    const item = {
      id: ctx.ids.next('cmp'),
      type: 'compaction',
      encrypted_content: ctx.compaction.encrypted_content,
    };
    log.push('response.output_item.added', { output_index: 0, item });
    log.push('response.output_item.done', { output_index: 0, item });
    output.push(item);
  }
  const itemContext = { ids: ctx.ids, encryptedReasoning: wantsEncryptedReasoning(ctx.body) };
  for (const spec of step.output) output.push(streamItem(spec, output.length, itemContext, log).completed);

  const terminal = step.terminal;
  let response: Json;
  if (terminal?.type === 'failed') {
    response = responseObject(id, ctx, {
      status: 'failed',
      output,
      usage: null,
      error: { code: terminal.code, message: terminal.message },
    });
    log.push('response.failed', { response });
  } else if (terminal?.type === 'incomplete') {
    response = responseObject(id, ctx, {
      status: 'incomplete',
      output,
      usage: responsesUsage(ctx, step),
      incomplete: { reason: terminal.reason },
    });
    log.push('response.incomplete', { response });
  } else {
    response = responseObject(id, ctx, { status: 'completed', output, usage: responsesUsage(ctx, step) });
    log.push('response.completed', { response });
  }
  return { events: log.events, response };
}

/** A response that fails before producing output (e.g. context_length_exceeded in-stream). */
export function buildFailedEvents(ctx: ResponsesContext, code: string, message: string): SseEvent[] {
  const log = new EventLog(false);
  const id = ctx.ids.next('resp');
  const start = () => responseObject(id, ctx, { status: 'in_progress', output: [], usage: null });
  log.push('response.created', { response: start() });
  log.push('response.in_progress', { response: start() });
  log.push('response.failed', {
    response: responseObject(id, ctx, {
      status: 'failed',
      output: [],
      usage: null,
      error: { code, message },
    }),
  });
  return log.events;
}
