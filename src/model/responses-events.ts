/**
 * Translates the Responses API's streamed events into Spool's normalised `ModelEvent`s.
 *
 * Pure and stateful per response: one translator per attempt. Servers that skip
 * `response.output_item.done` and only list items in `response.completed` are handled too — every
 * item in the final `output[]` that was not already reported is reported before `completed`.
 *
 * A tool call whose input grows over `maxToolInputBytes` stops streaming deltas and ends as a
 * placeholder (oversized-calls.ts); events too large to read (`OversizedEvent`, see sse.ts) are
 * placed by their type and output index: the call they carry is over the limit, a
 * `response.completed` still completes (with the usage its tail kept).
 */

import { type HistoryItem, isToolCall, type ToolCallItem, toHistoryItem } from '../protocol/items.js';
import { emptyUsage, type Usage } from '../protocol/usage.js';
import { classifyErrorCode, type ErrorContext } from './errors.js';
import { asObject, type Json, num } from './json-values.js';
import { bytesOver, DEFAULT_MAX_TOOL_INPUT_BYTES, placeholderCall } from './oversized-calls.js';
import { OversizedEvent } from './sse.js';
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

/** A tool call the stream has started, and how much input it has sent so far. */
interface OpenCall {
  id: string | undefined;
  type: ToolCallItem['type'];
  name: string;
  callId: string;
  /** Characters of input streamed so far (or the size of an unread event carrying it). */
  chars: number;
  oversized: boolean;
}

export class ResponsesStreamTranslator {
  /** Identities of the items already reported (see `identity`). */
  private readonly reported = new Set<string>();
  private terminal = false;
  /** Next index for servers that omit `output_index` on `output_item.done`. */
  private nextIndex = 0;
  /** Tool calls by output index, from `output_item.added`. */
  private readonly calls = new Map<number, OpenCall>();

  constructor(
    private readonly errorContext: ErrorContext,
    private readonly maxToolInputBytes = DEFAULT_MAX_TOOL_INPUT_BYTES,
  ) {}

  /** True once `completed` or `failed` has been produced. */
  get finished(): boolean {
    return this.terminal;
  }

  push(raw: unknown): ModelEvent[] {
    if (raw instanceof OversizedEvent) return this.terminal ? [] : this.unread(raw);
    const event = asObject(raw);
    if (!event || this.terminal) return [];
    const index = typeof event.output_index === 'number' ? event.output_index : this.nextIndex;
    switch (event.type) {
      case 'response.created':
        return [{ type: 'created', responseId: asObject(event.response)?.id as string | undefined }];
      case 'response.output_item.added': {
        const item = asObject(event.item);
        if (item?.type === 'function_call' || item?.type === 'custom_tool_call') {
          this.calls.set(index, {
            id: typeof item.id === 'string' ? item.id : undefined,
            type: item.type,
            name: String(item.name ?? ''),
            callId: String(item.call_id ?? item.id ?? ''),
            chars: 0,
            oversized: false,
          });
        }
        return [
          {
            type: 'item_added',
            outputIndex: index,
            kind: itemKind(item?.type),
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
      case 'response.custom_tool_call_input.delta': {
        const delta = String(event.delta ?? '');
        // Counted only (the input is read whole from output_item.done): past the limit, the call
        // is oversized and its input is never held.
        const call = this.calls.get(index);
        if (call) {
          call.chars += delta.length;
          if (call.chars > this.maxToolInputBytes) call.oversized = true;
        }
        return [];
      }
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
    if (!item) return [];
    if (isToolCall(item)) {
      const tracked = this.calls.get(index);
      const input = item.type === 'function_call' ? item.arguments : item.input;
      const over =
        tracked?.oversized && tracked.callId === item.call_id
          ? Math.max(tracked.chars, input.length)
          : bytesOver(input, this.maxToolInputBytes);
      if (over !== undefined) return [this.placeholder(index, item.type, item.name, item.call_id, over)];
    }
    return [{ type: 'item_done', outputIndex: index, item }];
  }

  private placeholder(
    index: number,
    type: ToolCallItem['type'],
    name: string,
    callId: string,
    atLeastBytes: number,
  ): ModelEvent {
    const maxBytes = this.maxToolInputBytes;
    return {
      type: 'item_done',
      outputIndex: index,
      item: placeholderCall(type, name, callId, atLeastBytes, maxBytes),
      oversizedInput: { atLeastBytes, maxBytes },
    };
  }

  /** The open call an unread event belongs to: by its item id when the head kept it, else by index. */
  private callOf(event: OversizedEvent, itemIdField: string): [number, OpenCall] | undefined {
    const id = event.headString(itemIdField);
    if (id !== undefined) {
      for (const entry of this.calls) if (entry[1].id === id) return entry;
    }
    const index = event.headNumber('output_index');
    const call = index === undefined ? undefined : this.calls.get(index);
    return call && index !== undefined ? [index, call] : undefined;
  }

  /** An event too large to read (see sse.ts): what it must have been, from its type. */
  private unread(event: OversizedEvent): ModelEvent[] {
    const type = event.type;
    switch (type) {
      case 'response.function_call_arguments.delta':
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.delta':
      case 'response.custom_tool_call_input.done': {
        const found = this.callOf(event, 'item_id');
        if (!found) break;
        found[1].oversized = true;
        found[1].chars = Math.max(found[1].chars, event.size);
        return [];
      }
      case 'response.output_item.done': {
        const found = this.callOf(event, 'id');
        if (!found) break;
        const [index, call] = found;
        const key = call.id ? `id:${call.id}` : `call:${call.callId}`;
        if (this.reported.has(key)) return [];
        this.reported.add(key);
        this.nextIndex = Math.max(this.nextIndex, index + 1);
        return [this.placeholder(index, call.type, call.name, call.callId, Math.max(call.chars, event.size))];
      }
      case 'response.completed': {
        // The output list is unread: the calls it repeats were reported, or are the oversized ones.
        const events: ModelEvent[] = [];
        for (const [index, call] of this.calls) {
          const key = call.id ? `id:${call.id}` : `call:${call.callId}`;
          if (this.reported.has(key) || !call.oversized) continue;
          this.reported.add(key);
          events.push(this.placeholder(index, call.type, call.name, call.callId, call.chars));
        }
        this.terminal = true;
        events.push({ type: 'completed', usage: usageFromResponses(event.tailObject('usage')) });
        return events;
      }
      default:
        break;
    }
    return this.fail({
      kind: 'bad_response',
      message: `The model server sent a ${type ?? 'stream'} event of ${event.size} characters, more than Spool reads in one event (twice tool_arguments_max_bytes plus 1 MiB).`,
      retryable: false,
    });
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
