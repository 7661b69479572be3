/**
 * A recorded response as the Responses API streams it: `response.created`, each output item as
 * `response.output_item.added` / `.done` (message text also as one `response.output_text.delta`),
 * then `response.completed` with the recorded usage. The event and object shapes are the
 * `openai` SDK's (`ResponseStreamEvent`), the subset a client needs to rebuild the items; events are
 * numbered and framed by the wire's one event log (model/responses-sse.ts). Pure.
 */
import { EventLog, type SseEvent, sseFrame } from '../model/responses-sse.js';
import type { HistoryItem } from '../protocol/items.js';
import type { Usage } from '../protocol/usage.js';

type Json = Record<string, unknown>;

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  reasoning: 'rs',
  function_call: 'fc',
  custom_tool_call: 'ctc',
};

function responsesUsage(usage: Usage | undefined): Json {
  const u = usage ?? {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
  };
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_input_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_output_tokens },
    total_tokens: u.input_tokens + u.output_tokens,
  };
}

/** The SSE events of response number `seq` (1-based) serving `items` and `usage` for `model`. */
export function replayEvents(
  seq: number,
  model: string,
  items: HistoryItem[],
  usage: Usage | undefined,
): SseEvent[] {
  const log = new EventLog();
  const push = (type: string, fields: Json) => log.push(type, fields);
  const id = `resp_replay_${String(seq).padStart(4, '0')}`;
  const response = (status: string, output: Json[], withUsage: boolean): Json => ({
    id,
    object: 'response',
    created_at: 0,
    status,
    model,
    output,
    usage: withUsage ? responsesUsage(usage) : null,
    error: null,
    incomplete_details: null,
  });
  push('response.created', { response: response('in_progress', [], false) });
  const output: Json[] = [];
  items.forEach((item, index) => {
    const full: Json = {
      id: `${ID_PREFIX[item.type] ?? 'item'}_replay_${seq}_${index}`,
      ...(item as unknown as Json),
      ...(item.type === 'message' || item.type === 'function_call' || item.type === 'custom_tool_call'
        ? { status: 'completed' }
        : {}),
    };
    push('response.output_item.added', { output_index: index, item: full });
    if (item.type === 'message') {
      const text = item.content.map((part) => ('text' in part ? part.text : '')).join('');
      if (text)
        push('response.output_text.delta', {
          item_id: full.id,
          output_index: index,
          content_index: 0,
          delta: text,
        });
    }
    push('response.output_item.done', { output_index: index, item: full });
    output.push(full);
  });
  push('response.completed', { response: response('completed', output, true) });
  return log.events;
}

export function sseText(events: SseEvent[]): string {
  return events.map(sseFrame).join('');
}
