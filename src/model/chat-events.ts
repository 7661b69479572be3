/**
 * Translates streamed `chat.completion.chunk`s into Spool's `ModelEvent`s.
 *
 * Chat streams have no per-item "done" event: text, reasoning and tool calls accumulate (tool calls
 * by `index`, or by `id` for servers that omit it) and become items when the choice finishes. The
 * usage chunk (`stream_options.include_usage`) may come after the finish reason, so the response is
 * complete only when the stream ends.
 *
 * A tool call whose arguments grow over `maxToolInputBytes` stops accumulating and ends as a
 * placeholder (oversized-calls.ts); a chunk too large to read (`OversizedEvent`, see sse.ts) that
 * carries a tool call marks that call so.
 */

import type { HistoryItem } from '../protocol/items.js';
import { emptyUsage, type Usage } from '../protocol/usage.js';
import { asObject, type Json, num } from './json-values.js';
import { bytesOver, DEFAULT_MAX_TOOL_INPUT_BYTES, placeholderCall } from './oversized-calls.js';
import { OversizedEvent } from './sse.js';
import type { ModelError, ModelEvent } from './types.js';

function usageFromChat(raw: unknown): Usage {
  const usage = asObject(raw);
  if (!usage) return emptyUsage();
  return {
    input_tokens: num(usage.prompt_tokens),
    cached_input_tokens: num(asObject(usage.prompt_tokens_details)?.cached_tokens),
    output_tokens: num(usage.completion_tokens),
    reasoning_output_tokens: num(asObject(usage.completion_tokens_details)?.reasoning_tokens),
  };
}

interface PendingCall {
  outputIndex: number;
  id: string;
  name: string;
  arguments: string;
  /** Characters of arguments streamed (counted on after they stop being kept). */
  chars: number;
  oversized: boolean;
}

export class ChatStreamTranslator {
  private nextIndex = 0;
  private reasoning: { index: number; text: string } | undefined;
  private message: { index: number; text: string } | undefined;
  private readonly calls: PendingCall[] = [];
  private readonly callsByKey = new Map<string, PendingCall>();
  private finishReason: string | undefined;
  private usage: Usage | undefined;
  private generatedIds = 0;
  private failed = false;

  constructor(private readonly maxToolInputBytes = DEFAULT_MAX_TOOL_INPUT_BYTES) {}

  /** True once a chunk could not be used at all (a `failed` event was produced). */
  get finished(): boolean {
    return this.failed;
  }

  push(raw: unknown): ModelEvent[] {
    if (raw instanceof OversizedEvent) return this.failed ? [] : this.unread(raw);
    const chunk = asObject(raw);
    if (!chunk || this.failed) return [];
    const events: ModelEvent[] = [];
    if (chunk.usage) this.usage = usageFromChat(chunk.usage);
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = asObject(choices[0]);
    if (!choice) return events;
    const delta = asObject(choice.delta) ?? asObject(choice.message) ?? {};

    const reasoningDelta = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoningDelta === 'string' && reasoningDelta !== '') {
      if (!this.reasoning) {
        this.reasoning = { index: this.nextIndex++, text: '' };
        events.push({ type: 'item_added', outputIndex: this.reasoning.index, kind: 'reasoning' });
      }
      this.reasoning.text += reasoningDelta;
      events.push({ type: 'reasoning_delta', outputIndex: this.reasoning.index, delta: reasoningDelta });
    }
    // A refusal streams in `delta.refusal` instead of `content`; like the Responses wire, it is the
    // assistant's message (shown, kept in history), not an empty turn.
    for (const text of [delta.content, delta.refusal]) {
      if (typeof text !== 'string' || text === '') continue;
      if (!this.message) {
        this.message = { index: this.nextIndex++, text: '' };
        events.push({ type: 'item_added', outputIndex: this.message.index, kind: 'message' });
      }
      this.message.text += text;
      events.push({ type: 'text_delta', outputIndex: this.message.index, delta: text });
    }
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((rawCall, position) => {
        events.push(...this.toolCallDelta(asObject(rawCall), position));
      });
    }
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    return events;
  }

  private toolCallDelta(call: Json | undefined, position: number): ModelEvent[] {
    if (!call) return [];
    const fn = asObject(call.function) ?? {};
    const key =
      typeof call.index === 'number'
        ? `i${call.index}`
        : typeof call.id === 'string'
          ? `id${call.id}`
          : `p${position}`;
    const events: ModelEvent[] = [];
    const pending = this.pendingCall(key, call.id, fn.name, events);
    if (typeof fn.arguments === 'string' && fn.arguments) {
      pending.chars += fn.arguments.length;
      if (pending.chars > this.maxToolInputBytes) this.dropArguments(pending);
      if (pending.oversized) return events;
      pending.arguments += fn.arguments;
    } else if (fn.arguments !== undefined && typeof fn.arguments === 'object') {
      // Some servers (Ollama) send arguments as an object in one piece.
      pending.arguments = JSON.stringify(fn.arguments);
      pending.chars = pending.arguments.length;
    }
    return events;
  }

  /** The call accumulating under `key`, started (and announced in `events`) when new. */
  private pendingCall(key: string, id: unknown, name: unknown, events: ModelEvent[]): PendingCall {
    let pending = this.callsByKey.get(key);
    if (!pending) {
      pending = {
        outputIndex: this.nextIndex++,
        id: typeof id === 'string' && id ? id : `call_chat_${this.generatedIds++}`,
        name: '',
        arguments: '',
        chars: 0,
        oversized: false,
      };
      this.callsByKey.set(key, pending);
      this.calls.push(pending);
      events.push({
        type: 'item_added',
        outputIndex: pending.outputIndex,
        kind: 'function_call',
      });
    }
    // OpenAI sends the name once; some servers repeat it in every fragment.
    if (typeof name === 'string' && name && !pending.name) pending.name = name;
    return pending;
  }

  private dropArguments(pending: PendingCall): void {
    pending.oversized = true;
    pending.arguments = '';
  }

  /**
   * A chunk too large to read (see sse.ts): the tool call it carries is over the limit, and the
   * finish reason and usage its tail kept still count. A chunk with no tool call cannot be placed.
   */
  private unread(event: OversizedEvent): ModelEvent[] {
    const at = event.head.indexOf('"tool_calls"');
    if (at < 0) {
      this.failed = true;
      const error: ModelError = {
        kind: 'bad_response',
        message: `The model server sent a chunk of ${event.size} characters, more than Spool reads in one event (twice tool_arguments_max_bytes plus 1 MiB).`,
        retryable: false,
      };
      return [{ type: 'failed', error }];
    }
    const call = new OversizedEvent(event.size, event.head.slice(at), event.tail);
    const index = call.headNumber('index');
    const id = call.headString('id');
    const key = index !== undefined ? `i${index}` : id !== undefined ? `id${id}` : 'p0';
    const events: ModelEvent[] = [];
    const pending = this.pendingCall(key, id, call.headString('name'), events);
    pending.chars = Math.max(pending.chars, event.size);
    this.dropArguments(pending);
    const finish = event.tailString('finish_reason');
    if (finish !== undefined) this.finishReason = finish;
    const usage = event.tailObject('usage');
    if (usage) this.usage = usageFromChat(usage);
    return events;
  }

  /** The reasoning and the message accumulated so far, as finished items. */
  private textItems(): Array<{ outputIndex: number; item: HistoryItem }> {
    const items: Array<{ outputIndex: number; item: HistoryItem }> = [];
    if (this.reasoning) {
      items.push({
        outputIndex: this.reasoning.index,
        item: { type: 'reasoning', summary: [{ type: 'summary_text', text: this.reasoning.text }] },
      });
    }
    if (this.message) {
      items.push({
        outputIndex: this.message.index,
        item: {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: this.message.text }],
        },
      });
    }
    return items;
  }

  /** Called when the stream has ended: the finished items, then `completed` — or why it is not complete. */
  finish(): ModelEvent[] {
    if (this.finishReason === undefined) {
      const error: ModelError = {
        kind: 'stream_closed',
        message: 'stream closed before the completion finished',
        retryable: true,
      };
      return [{ type: 'failed', error }];
    }
    if (this.finishReason === 'length' || this.finishReason === 'content_filter') {
      const reason = this.finishReason === 'length' ? 'max_output_tokens' : 'content_filter';
      // What was written before the cut is kept and shown, as the Responses wire's incomplete
      // message is; tool calls are not (their arguments may be cut off).
      return [
        ...this.textItems().map(({ outputIndex, item }) => ({
          type: 'item_done' as const,
          outputIndex,
          item,
        })),
        {
          type: 'failed',
          error: {
            kind: 'incomplete',
            message: `Incomplete response returned, reason: ${reason}`,
            retryable: false,
          },
        },
      ];
    }
    const done: ModelEvent[] = this.textItems().map(({ outputIndex, item }) => ({
      type: 'item_done' as const,
      outputIndex,
      item,
    }));
    const max = this.maxToolInputBytes;
    for (const call of this.calls) {
      const over = call.oversized ? call.chars : bytesOver(call.arguments, max);
      done.push(
        over === undefined
          ? {
              type: 'item_done',
              outputIndex: call.outputIndex,
              item: {
                type: 'function_call',
                name: call.name,
                arguments: call.arguments || '{}',
                call_id: call.id,
              },
            }
          : {
              type: 'item_done',
              outputIndex: call.outputIndex,
              item: placeholderCall('function_call', call.name, call.id, over, max),
              oversizedInput: { atLeastBytes: over, maxBytes: max },
            },
      );
    }
    const position = (event: ModelEvent) => (event.type === 'item_done' ? event.outputIndex : 0);
    done.sort((a, b) => position(a) - position(b));
    return [...done, { type: 'completed', usage: this.usage ?? emptyUsage() }];
  }
}
