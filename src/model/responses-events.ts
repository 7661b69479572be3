/**
 * Translates the Responses API's streamed events into Spool's normalised `ModelEvent`s.
 *
 * Pure and stateful per response: one translator per attempt. Servers that skip
 * `response.output_item.done` and only list items in `response.completed` are handled too — every
 * item in the final `output[]` that was not already reported is reported before `completed`.
 */
import { emptyUsage, type Usage } from '../protocol/events.js';
import { type HistoryItem, toHistoryItem } from '../protocol/items.js';
import { classifyErrorCode, type ErrorContext } from './errors.js';
import { asObject, type Json, num } from './json-values.js';
import type { ModelError, ModelEvent, OutputItemKind } from './types.js';

export function usageFromResponses(raw: unknown): Usage {
  const usage = asObject(raw);
  if (!usage) return emptyUsage();
  return {
    input_tokens: num(usage.input_tokens),
    cached_input_tokens: num(asObject(usage.input_tokens_details)?.cached_tokens),
    output_tokens: num(usage.output_tokens),
    reasoning_output_tokens: num(asObject(usage.output_tokens_details)?.reasoning_tokens),
  };
}

function itemKind(type: unknown): OutputItemKind {
  switch (type) {
    case 'message':
    case 'reasoning':
    case 'function_call':
    case 'custom_tool_call':
      return type;
    default:
      return 'other';
  }
}

/**
 * Canonicalises an output item for history: refusals become text, a missing `call_id` falls back to
 * the item id. Returns undefined for item types Spool does not keep (hosted tool calls and the like).
 */
export function canonicalOutputItem(raw: unknown): HistoryItem | undefined {
  const item = asObject(raw);
  if (!item) return undefined;
  if (item.type === 'message' && Array.isArray(item.content)) {
    const content = item.content.map((part) => {
      const p = asObject(part);
      if (p?.type === 'refusal') return { type: 'output_text', text: String(p.refusal ?? '') };
      return part;
    });
    // `phase: null` means "not labelled": history leaves the field out.
    const { phase, ...rest } = item;
    return toHistoryItem(typeof phase === 'string' ? { ...rest, content, phase } : { ...rest, content });
  }
  if (
    (item.type === 'function_call' || item.type === 'custom_tool_call') &&
    typeof item.call_id !== 'string'
  ) {
    return toHistoryItem({ ...item, call_id: typeof item.id === 'string' ? item.id : '' });
  }
  return toHistoryItem(item);
}

export class ResponsesStreamTranslator {
  /** Identities of the items already reported (see `identity`). */
  private readonly reported = new Set<string>();
  private terminal = false;
  /** Next index for servers that omit `output_index` on `output_item.done`. */
  private nextIndex = 0;

  constructor(private readonly errorContext: ErrorContext) {}

  /** True once `completed` or `failed` has been produced. */
  get finished(): boolean {
    return this.terminal;
  }

  push(raw: unknown): ModelEvent[] {
    const event = asObject(raw);
    if (!event || this.terminal) return [];
    const index = typeof event.output_index === 'number' ? event.output_index : this.nextIndex;
    switch (event.type) {
      case 'response.created':
        return [{ type: 'created', responseId: asObject(event.response)?.id as string | undefined }];
      case 'response.output_item.added': {
        const item = asObject(event.item);
        return [
          {
            type: 'item_added',
            outputIndex: index,
            kind: itemKind(item?.type),
            name: typeof item?.name === 'string' ? item.name : undefined,
            callId: typeof item?.call_id === 'string' ? item.call_id : undefined,
            ...(typeof item?.phase === 'string' ? { phase: item.phase } : {}),
          },
        ];
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return [{ type: 'text_delta', outputIndex: index, delta: String(event.delta ?? '') }];
      case 'response.reasoning_summary_part.added':
        // Summary parts are separate paragraphs.
        return num(event.summary_index) > 0
          ? [{ type: 'reasoning_delta', outputIndex: index, delta: '\n\n' }]
          : [];
      case 'response.reasoning_summary_text.delta':
        return [{ type: 'reasoning_delta', outputIndex: index, delta: String(event.delta ?? '') }];
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        return [{ type: 'tool_input_delta', outputIndex: index, delta: String(event.delta ?? '') }];
      case 'response.output_item.done':
        return this.itemDone(index, event.item);
      case 'response.completed':
        return this.completed(asObject(event.response));
      case 'response.failed': {
        const error = asObject(asObject(event.response)?.error);
        const message =
          typeof error?.message === 'string' ? error.message : 'The model server reported a failure.';
        return this.fail(classifyErrorCode(error?.code as string | undefined, message, this.errorContext));
      }
      case 'response.incomplete': {
        const reason = asObject(asObject(event.response)?.incomplete_details)?.reason ?? 'unknown';
        return this.fail({
          kind: 'incomplete',
          message: `Incomplete response returned, reason: ${String(reason)}`,
          retryable: false,
        });
      }
      case 'error': {
        const nested = asObject(event.error);
        const code = (event.code ?? nested?.code) as string | undefined;
        const message = String(event.message ?? nested?.message ?? 'The model server sent an error event.');
        return this.fail(classifyErrorCode(code, message, this.errorContext));
      }
      default:
        return [];
    }
  }

  /**
   * Reports a finished item once, whether it comes as `output_item.done`, in `response.completed`,
   * or both. Items are known by their id or call id (servers do not always number `output_index`
   * correctly); items with neither by their position and content.
   */
  private itemDone(index: number, rawItem: unknown): ModelEvent[] {
    const raw = asObject(rawItem);
    const key =
      typeof raw?.id === 'string' && raw.id
        ? `id:${raw.id}`
        : typeof raw?.call_id === 'string' && raw.call_id
          ? `call:${raw.call_id}`
          : `at:${index}:${JSON.stringify(rawItem)}`;
    if (this.reported.has(key)) return [];
    this.reported.add(key);
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    const item = canonicalOutputItem(rawItem);
    return item ? [{ type: 'item_done', outputIndex: index, item }] : [];
  }

  private completed(response: Json | undefined): ModelEvent[] {
    const events: ModelEvent[] = [];
    const output = Array.isArray(response?.output) ? response.output : [];
    output.forEach((item, i) => {
      events.push(...this.itemDone(i, item));
    });
    this.terminal = true;
    events.push({
      type: 'completed',
      responseId: typeof response?.id === 'string' ? response.id : undefined,
      usage: usageFromResponses(response?.usage),
    });
    return events;
  }

  private fail(error: ModelError): ModelEvent[] {
    this.terminal = true;
    return [{ type: 'failed', error }];
  }
}
