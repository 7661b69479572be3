/**
 * One sampling attempt: stream a response, show it as it arrives, start each tool call the moment
 * it is complete, and commit to history what the attempt produced.
 *
 * What is committed:
 * - completed response → every output item, then the tool outputs in call order;
 * - failed or interrupted after tool calls arrived → the items up to the last tool call and every
 *   call's output (the tools ran, or were aborted: they must never run again), so a retry continues
 *   from history instead of re-issuing calls;
 * - incomplete (the output limit or a content filter cut the response short; never retried) →
 *   everything it produced, like a completed response, so the partial answer is not lost;
 * - failed before any tool call → nothing; the retry re-issues the same request.
 */

import type { ModelClient, ModelError, ModelEvent, ModelRequest } from '../model/types.js';
import type { SpoolEvent, ThreadItem } from '../protocol/events.js';
import {
  COMMENTARY_PHASE,
  type HistoryItem,
  isToolCall,
  keepThroughLastCall,
  type MessageItem,
  messageText,
  type ToolCallItem,
  type ToolOutputItem,
} from '../protocol/items.js';
import type { Usage } from '../protocol/usage.js';
import type { ToolRunner } from './tool-runner.js';

/**
 * Model events that are output (the first one's arrival is the time to first token); a tool call
 * starts with its `item_added`, before any of its input.
 */
const OUTPUT_EVENTS: ReadonlySet<ModelEvent['type']> = new Set([
  'item_added',
  'text_delta',
  'reasoning_delta',
  'item_done',
]);

export interface AttemptDeps {
  client: ModelClient;
  tools: ToolRunner;
  turnId: string;
  newItemId(): string;
  emit(event: SpoolEvent): void;
  /** Appends committed items to the thread's history (and its durable log). */
  commit(items: HistoryItem[]): void;
  /** Records a received output item (written at once; see `durable`). */
  received(item: HistoryItem): void;
  /** Resolves once every received item is on the disk: a tool starts only after its call is. */
  durable?(): Promise<void>;
  /** Makes a finished tool's output durable. */
  toolOutput(item: ToolOutputItem): void;
}

type AttemptResult =
  | { status: 'completed'; usage: Usage; toolCalls: number; finalMessage?: string }
  | { status: 'failed'; error: ModelError; toolCalls: number }
  | { status: 'aborted'; toolCalls: number };

interface StreamingDisplay {
  id: string;
  kind: 'agent_message' | 'reasoning';
  text: string;
  started: boolean;
}

/** A display item for streamed text, with a message's phase when it is known. */
function displayItem(
  id: string,
  kind: StreamingDisplay['kind'],
  text: string,
  phase: string | undefined,
): ThreadItem {
  return kind === 'agent_message' && phase !== undefined
    ? { id, type: kind, text, phase }
    : { id, type: kind, text };
}

function reasoningText(item: HistoryItem): string {
  return item.type === 'reasoning' ? item.summary.map((s) => s.text).join('\n\n') : '';
}

export async function runAttempt(
  deps: AttemptDeps,
  request: ModelRequest,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const done: HistoryItem[] = [];
  const runs: Array<{ call: ToolCallItem; output: Promise<ToolOutputItem> }> = [];
  const displays = new Map<number, StreamingDisplay>();
  /** Phases announced by `item_added`, by output index (a message's deltas come before its item). */
  const phases = new Map<number, string>();
  let finalMessage: string | undefined;
  let finalIsCommentary = false;
  let outcome: { ok: true; usage: Usage } | { ok: false; error: ModelError } | undefined;

  const display = (index: number, kind: StreamingDisplay['kind']): StreamingDisplay => {
    let entry = displays.get(index);
    if (!entry || entry.kind !== kind) {
      entry = { id: deps.newItemId(), kind, text: '', started: false };
      displays.set(index, entry);
    }
    return entry;
  };
  const delta = (index: number, kind: StreamingDisplay['kind'], text: string) => {
    const entry = display(index, kind);
    if (!entry.started) {
      entry.started = true;
      const item = displayItem(entry.id, kind, '', phases.get(index));
      deps.emit({ type: 'item.started', turn_id: deps.turnId, item });
    }
    entry.text += text;
    deps.emit({
      type: 'item.delta',
      turn_id: deps.turnId,
      item_id: entry.id,
      kind,
      delta: text,
    });
  };
  const complete = (index: number, kind: StreamingDisplay['kind'], text: string, phase?: string) => {
    const entry = display(index, kind);
    if (!entry.started && text === '') return;
    const item = displayItem(entry.id, kind, text, phase ?? phases.get(index));
    deps.emit({ type: 'item.completed', turn_id: deps.turnId, item });
  };

  let outputSeen = false;
  let responding = false;
  for await (const event of deps.client.stream(request, signal)) {
    if (!responding && event.type !== 'failed') {
      // The request has left and the model is answering: what the tools load now (the bash parser,
      // ~20 ms of the main thread) can no longer delay the request, and is done before the model's
      // first call arrives. A request that failed prepares nothing.
      responding = true;
      deps.tools.prepare();
    }
    if (!outputSeen && OUTPUT_EVENTS.has(event.type)) {
      outputSeen = true;
      deps.emit({ type: 'request.first_output', turn_id: deps.turnId });
    }
    switch (event.type) {
      case 'item_added':
        if (event.phase !== undefined) phases.set(event.outputIndex, event.phase);
        break;
      case 'text_delta':
        delta(event.outputIndex, 'agent_message', event.delta);
        break;
      case 'reasoning_delta':
        delta(event.outputIndex, 'reasoning', event.delta);
        break;
      case 'item_done': {
        const item = event.item;
        done.push(item);
        deps.received(item);
        if (item.type === 'message' && item.role === 'assistant') {
          const text = messageText(item as MessageItem);
          // The final message is the last one the model did not label as commentary (progress
          // narration); commentary counts only when nothing else came.
          const commentary = item.phase === COMMENTARY_PHASE;
          if (!commentary || finalMessage === undefined || finalIsCommentary) {
            finalMessage = text;
            finalIsCommentary = commentary;
          }
          complete(event.outputIndex, 'agent_message', text, item.phase);
        } else if (item.type === 'reasoning') {
          complete(event.outputIndex, 'reasoning', reasoningText(item));
        } else if (isToolCall(item)) {
          const output = deps.tools
            .start(item, signal, event.oversizedInput, deps.durable?.())
            .then((out) => {
              deps.toolOutput(out);
              return out;
            });
          runs.push({ call: item, output });
        }
        break;
      }
      case 'completed':
        outcome = { ok: true, usage: event.usage };
        break;
      case 'failed':
        outcome = { ok: false, error: event.error };
        break;
      default:
        break;
    }
  }
  // A client that ends without a terminal event broke its contract; treat it as a dropped stream.
  outcome ??= {
    ok: false,
    error: { kind: 'stream_closed', message: 'stream ended without a terminal event', retryable: true },
  };

  if (outcome.ok) {
    deps.commit(done);
    deps.commit(await Promise.all(runs.map((run) => run.output)));
    return { status: 'completed', usage: outcome.usage, toolCalls: runs.length, finalMessage };
  }

  if (outcome.error.kind === 'incomplete') {
    // The response ended early but is final (no retry repeats it): what it said stays in history,
    // so the user can ask the model to go on from there.
    deps.commit(done);
    deps.commit(await Promise.all(runs.map((run) => run.output)));
  } else if (runs.length > 0) {
    deps.commit(keepThroughLastCall(done));
    deps.commit(await Promise.all(runs.map((run) => run.output)));
  }
  if (signal.aborted || outcome.error.kind === 'aborted')
    return { status: 'aborted', toolCalls: runs.length };
  return { status: 'failed', error: outcome.error, toolCalls: runs.length };
}
