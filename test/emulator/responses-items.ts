/**
 * One output item of a Responses stream, event by event, in the shapes OpenAI sends (the `openai`
 * SDK's `ResponseStreamEvent` union and recorded streams): messages (with `phase`, annotations,
 * refusals), reasoning, function and custom tool calls, and a hosted tool (web search). Pure.
 */
import { EventLog as WireEventLog } from '../../src/model/responses-sse.js';
import { chunkText, type IdGenerator, obfuscationFor } from './ids.js';
import { argumentsText, type OutputSpec } from './script.js';

type Json = Record<string, unknown>;

export type { SseEvent } from '../../src/model/responses-sse.js';

/** The wire's event log (src/model/responses-sse.ts), with OpenAI's padding on deltas unless opted out. */
export class EventLog extends WireEventLog {
  constructor(obfuscate: boolean) {
    super(obfuscate ? obfuscationFor : undefined);
  }
}

export interface ItemContext {
  ids: IdGenerator;
  /** The request asked for `reasoning.encrypted_content`. */
  encryptedReasoning: boolean;
}

/**
 * A streamed item and the form `response.completed` lists it in. They differ for reasoning: the
 * service encrypts the reasoning state again for the final response object, so the two
 * `encrypted_content` values differ (both decrypt to the same state).
 */
export interface StreamedItem {
  done: Json;
  completed: Json;
}

/** An opaque stand-in for OpenAI's encrypted reasoning (Fernet tokens start with `gAAAAA`). */
export function opaqueContent(kind: string, id: string, payload: unknown): string {
  return `gAAAAA${Buffer.from(JSON.stringify({ kind, id, payload })).toString('base64')}`;
}

function outputText(text: string, annotations: unknown[] = []): Json {
  return { type: 'output_text', annotations, logprobs: [], text };
}

function same(item: Json): StreamedItem {
  return { done: item, completed: item };
}

function streamMessage(
  spec: Extract<OutputSpec, { type: 'message' | 'refusal' }>,
  index: number,
  ctx: ItemContext,
  log: EventLog,
): StreamedItem {
  const id = ctx.ids.next('msg');
  // OpenAI sends `phase` on the added item already, and again on the finished one.
  const phase = spec.type === 'message' && spec.phase !== undefined ? { phase: spec.phase } : {};
  log.push('response.output_item.added', {
    output_index: index,
    item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant', ...phase },
  });
  const where = { item_id: id, output_index: index, content_index: 0 };
  let part: Json;
  if (spec.type === 'refusal') {
    log.push('response.content_part.added', { ...where, part: { type: 'refusal', refusal: '' } });
    for (const delta of chunkText(spec.text)) log.pushDelta('response.refusal.delta', { ...where, delta });
    log.push('response.refusal.done', { ...where, refusal: spec.text });
    part = { type: 'refusal', refusal: spec.text };
  } else {
    log.push('response.content_part.added', { ...where, part: outputText('') });
    for (const delta of chunkText(spec.text)) {
      log.pushDelta('response.output_text.delta', { ...where, delta, logprobs: [] });
    }
    (spec.annotations ?? []).forEach((annotation, annotationIndex) => {
      log.push('response.output_text.annotation.added', {
        ...where,
        annotation_index: annotationIndex,
        annotation,
      });
    });
    log.push('response.output_text.done', { ...where, text: spec.text, logprobs: [] });
    part = outputText(spec.text, spec.annotations);
  }
  log.push('response.content_part.done', { ...where, part });
  const item = { id, type: 'message', status: 'completed', content: [part], role: 'assistant', ...phase };
  log.push('response.output_item.done', { output_index: index, item });
  return same(item);
}

function streamReasoning(
  spec: Extract<OutputSpec, { type: 'reasoning' }>,
  index: number,
  ctx: ItemContext,
  log: EventLog,
): StreamedItem {
  const id = ctx.ids.next('rs');
  const summaries = spec.summary ?? [];
  const content = spec.encrypted_content ?? opaqueContent('reasoning', id, summaries);
  const encrypted = ctx.encryptedReasoning ? { encrypted_content: content } : {};
  log.push('response.output_item.added', {
    output_index: index,
    item: { id, type: 'reasoning', summary: [], ...encrypted },
  });
  summaries.forEach((text, summaryIndex) => {
    const where = { item_id: id, output_index: index, summary_index: summaryIndex };
    log.push('response.reasoning_summary_part.added', { ...where, part: { type: 'summary_text', text: '' } });
    for (const delta of chunkText(text))
      log.pushDelta('response.reasoning_summary_text.delta', { ...where, delta });
    log.push('response.reasoning_summary_text.done', { ...where, text });
    log.push('response.reasoning_summary_part.done', { ...where, part: { type: 'summary_text', text } });
  });
  const summary = summaries.map((text) => ({ type: 'summary_text', text }));
  const item = { id, type: 'reasoning', summary, ...encrypted };
  log.push('response.output_item.done', { output_index: index, item });
  if (!ctx.encryptedReasoning) return same(item);
  // Re-encrypted for the final response object: same state, other bytes.
  const again = opaqueContent('reasoning-final', id, { summaries, content });
  return { done: item, completed: { id, type: 'reasoning', summary, encrypted_content: again } };
}

function streamFunctionCall(
  spec: Extract<OutputSpec, { type: 'function_call' }>,
  index: number,
  ctx: ItemContext,
  log: EventLog,
): StreamedItem {
  const id = ctx.ids.next('fc');
  const callId = spec.call_id ?? ctx.ids.next('call');
  const args = argumentsText(spec);
  const base = { id, type: 'function_call', call_id: callId, name: spec.name };
  log.push('response.output_item.added', {
    output_index: index,
    item: {
      id,
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      call_id: callId,
      name: spec.name,
    },
  });
  const where = { item_id: id, output_index: index };
  for (const delta of chunkText(args, spec.delta_size))
    log.pushDelta('response.function_call_arguments.delta', { ...where, delta });
  log.push('response.function_call_arguments.done', { ...where, name: spec.name, arguments: args });
  const item = {
    id,
    type: base.type,
    status: 'completed',
    arguments: args,
    call_id: callId,
    name: spec.name,
  };
  log.push('response.output_item.done', { output_index: index, item });
  return same(item);
}

function streamCustomCall(
  spec: Extract<OutputSpec, { type: 'custom_tool_call' }>,
  index: number,
  ctx: ItemContext,
  log: EventLog,
): StreamedItem {
  const id = ctx.ids.next('ctc');
  const callId = spec.call_id ?? ctx.ids.next('call');
  log.push('response.output_item.added', {
    output_index: index,
    item: {
      id,
      type: 'custom_tool_call',
      status: 'in_progress',
      call_id: callId,
      input: '',
      name: spec.name,
    },
  });
  const where = { item_id: id, output_index: index };
  for (const delta of chunkText(spec.input, spec.delta_size))
    log.pushDelta('response.custom_tool_call_input.delta', { ...where, delta });
  log.push('response.custom_tool_call_input.done', { ...where, input: spec.input });
  const item = {
    id,
    type: 'custom_tool_call',
    status: 'completed',
    call_id: callId,
    input: spec.input,
    name: spec.name,
  };
  log.push('response.output_item.done', { output_index: index, item });
  return same(item);
}

/** A hosted web search, as the service runs it between the model's items. */
function streamWebSearch(
  spec: Extract<OutputSpec, { type: 'web_search_call' }>,
  index: number,
  ctx: ItemContext,
  log: EventLog,
): StreamedItem {
  const id = ctx.ids.next('ws');
  const where = { item_id: id, output_index: index };
  log.push('response.output_item.added', {
    output_index: index,
    item: {
      id,
      type: 'web_search_call',
      status: 'in_progress',
      action: { type: 'search', query: spec.query },
    },
  });
  log.push('response.web_search_call.in_progress', where);
  log.push('response.web_search_call.searching', where);
  log.push('response.web_search_call.completed', where);
  const item = {
    id,
    type: 'web_search_call',
    status: 'completed',
    action: { type: 'search', query: spec.query },
  };
  log.push('response.output_item.done', { output_index: index, item });
  return same(item);
}

/** Streams one output item into `log`. */
export function streamItem(spec: OutputSpec, index: number, ctx: ItemContext, log: EventLog): StreamedItem {
  switch (spec.type) {
    case 'message':
    case 'refusal':
      return streamMessage(spec, index, ctx, log);
    case 'reasoning':
      return streamReasoning(spec, index, ctx, log);
    case 'function_call':
      return streamFunctionCall(spec, index, ctx, log);
    case 'custom_tool_call':
      return streamCustomCall(spec, index, ctx, log);
    case 'web_search_call':
      return streamWebSearch(spec, index, ctx, log);
  }
}
