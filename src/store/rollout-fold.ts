/**
 * Rebuilding a thread's history from rollout lines (format version 1; see format.ts).
 *
 * The fold mirrors the live loop: received items wait until a commit says which of them joined
 * history; a commit supersedes the received items before it. A response that never got its commit
 * (the process died while it streamed, or while its tools ran) is closed the way the loop closes an
 * interrupted stream: its items are kept through the last tool call, and every call gets its
 * recorded output or, when the tool never finished, the output `aborted`. So the rebuilt history is
 * what the original process would have sent next, and no recorded call is ever run again.
 */

import type { SpoolEvent } from '../protocol/events.js';
import {
  ABORTED_OUTPUT,
  HistoryItem,
  isToolCall,
  isToolOutput,
  keepThroughLastCall,
  type ToolCallItem,
  type ToolOutputItem,
  toolOutputFor,
} from '../protocol/items.js';
import {
  CommitPayloadSchema,
  CompactedPayload,
  type ContextSnapshot,
  EventPayload,
  type RolloutLine,
  TurnContextPayload,
  type TurnContextRecord,
} from '../protocol/rollout.js';
import { RolloutFormatError } from './errors.js';
import { isTurnEnd } from './format.js';

/** What closing an unfinished response added to history (resume writes it to the log). */
export interface Closure {
  /** How many of the pending received items were kept (through the last tool call). */
  keptReceived: number;
  /** The outputs given to unanswered calls, in call order. */
  outputs: ToolOutputItem[];
  /** For each output: whether it was recorded (true) or is the synthetic `aborted` (false). */
  recorded: boolean[];
}

export interface FoldHooks {
  turnStarted?(turn: number, context: TurnContextRecord, timestamp: string): void;
  committed?(items: HistoryItem[], timestamp: string): void;
  /** Compaction replaced the history with `history`. */
  compacted?(history: HistoryItem[], timestamp: string): void;
  event?(event: SpoolEvent, timestamp: string): void;
}

function historyItem(payload: unknown, where: string): HistoryItem {
  if (!HistoryItem.safeParse(payload).success) throw new RolloutFormatError(`${where}: not a history item`);
  // The parsed JSON itself, not zod's copy: its key order is the order the live process sent.
  return payload as HistoryItem;
}

function record(payload: unknown, where: string): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    throw new RolloutFormatError(`${where}: payload is not an object`);
  return payload as Record<string, unknown>;
}

function withoutTurnId(context: TurnContextRecord): ContextSnapshot {
  const { turn_id: _turnId, ...snapshot } = context;
  return snapshot;
}

export class RolloutFold {
  readonly history: HistoryItem[] = [];
  turns = 0;
  lastTurnContext: TurnContextRecord | undefined;
  /** The last snapshot the model was told (last turn context, else the initial one). */
  lastContext: ContextSnapshot | undefined;
  /** Whether the last turn has its outcome (completed, failed, interrupted) in the log. */
  lastTurnEnded = true;
  private pendingReceived: HistoryItem[] = [];
  private readonly pendingOutputs = new Map<string, ToolOutputItem>();
  /** Calls in history that have no output yet, in call order. */
  private readonly unanswered = new Map<string, ToolCallItem>();

  constructor(private readonly hooks: FoldHooks = {}) {}

  /** Applies one line of a version-1 rollout (after the meta line). */
  apply(line: RolloutLine, where: string): void {
    switch (line.type) {
      case 'initial_context':
        this.lastContext = record(line.payload, where) as unknown as ContextSnapshot;
        return;
      case 'turn_context': {
        const context = TurnContextPayload.safeParse(record(line.payload, where));
        if (!context.success) throw new RolloutFormatError(`${where}: turn without id`);
        this.close(line.timestamp);
        this.turns++;
        this.lastTurnEnded = false;
        // The context's own fields are compared with the next snapshot, not required here.
        this.lastTurnContext = context.data as unknown as TurnContextRecord;
        this.lastContext = withoutTurnId(this.lastTurnContext);
        this.hooks.turnStarted?.(this.turns, this.lastTurnContext, line.timestamp);
        return;
      }
      case 'received':
        this.pendingReceived.push(historyItem(line.payload, where));
        return;
      case 'tool_output': {
        const item = historyItem(line.payload, where);
        if (!isToolOutput(item)) throw new RolloutFormatError(`${where}: tool_output is not a tool output`);
        this.pendingOutputs.set(item.call_id, item);
        return;
      }
      case 'commit':
        this.applyCommit(record(line.payload, where), line.timestamp, where);
        return;
      case 'item':
        this.pendingReceived = [];
        this.commit([historyItem(line.payload, where)], line.timestamp);
        return;
      case 'compacted': {
        const compacted = CompactedPayload.safeParse(record(line.payload, where));
        if (!compacted.success) throw new RolloutFormatError(`${where}: compacted without a history`);
        const { history, snapshot } = compacted.data;
        // The fresh initial context of a compaction describes the situation from here on.
        if (snapshot && typeof snapshot === 'object') this.lastContext = snapshot as ContextSnapshot;
        this.replace(
          history.map((item, i) => historyItem(item, `${where} (item ${i})`)),
          line.timestamp,
        );
        return;
      }
      case 'event': {
        const parsed = EventPayload.safeParse(record(line.payload, where));
        if (!parsed.success) throw new RolloutFormatError(`${where}: event without type`);
        const event = parsed.data;
        // Kept as written (older logs' events may lack fields added since): shown, not required.
        const spoolEvent = event as SpoolEvent;
        if (isTurnEnd(spoolEvent) && event.turn_id === this.lastTurnContext?.turn_id)
          this.lastTurnEnded = true;
        this.hooks.event?.(spoolEvent, line.timestamp);
        return;
      }
      case 'request':
        // What was sent (protocol/request-record.ts): read by replay, history is not changed.
        return;
      default:
        // A new line type that could change history must come with a new format version.
        throw new RolloutFormatError(`${where}: unknown line type ${JSON.stringify(line.type)}`);
    }
  }

  /**
   * Closes a response that has no commit (see the file comment). Returns what was added, or
   * undefined when nothing was open.
   */
  close(timestamp: string): Closure | undefined {
    const kept = keepThroughLastCall(this.pendingReceived);
    this.pendingReceived = [];
    this.commit(kept, timestamp);
    if (this.unanswered.size === 0) {
      return kept.length > 0 ? { keptReceived: kept.length, outputs: [], recorded: [] } : undefined;
    }
    const recorded: boolean[] = [];
    const outputs = [...this.unanswered.values()].map((call) => {
      const output = this.pendingOutputs.get(call.call_id);
      recorded.push(output !== undefined);
      return output ?? toolOutputFor(call, ABORTED_OUTPUT);
    });
    this.commit(outputs, timestamp);
    return { keptReceived: kept.length, outputs, recorded };
  }

  private applyCommit(raw: unknown, timestamp: string, where: string): void {
    const parsed = CommitPayloadSchema.safeParse(raw);
    if (!parsed.success) throw new RolloutFormatError(`${where}: commit without received count or outputs`);
    const payload = parsed.data;
    if (typeof payload.received === 'number') {
      if (payload.received > this.pendingReceived.length)
        throw new RolloutFormatError(
          `${where}: commit of ${payload.received} items, but fewer were received`,
        );
      const items = this.pendingReceived.slice(0, payload.received);
      this.pendingReceived = [];
      this.commit(items, timestamp);
      return;
    }
    if (Array.isArray(payload.outputs)) {
      const outputs = payload.outputs.map((callId) => {
        const output = this.pendingOutputs.get(callId);
        if (!output) throw new RolloutFormatError(`${where}: commit of an unrecorded output ${callId}`);
        return output;
      });
      this.commit(outputs, timestamp);
      return;
    }
    throw new RolloutFormatError(`${where}: commit without received count or outputs`);
  }

  /** Compaction: the history starts over from `history`; nothing received before it is pending. */
  private replace(history: HistoryItem[], timestamp: string): void {
    this.history.length = 0;
    this.pendingReceived = [];
    this.pendingOutputs.clear();
    this.unanswered.clear();
    this.history.push(...history);
    for (const item of history) {
      if (isToolCall(item)) this.unanswered.set(item.call_id, item);
      else if (isToolOutput(item)) this.unanswered.delete(item.call_id);
    }
    this.hooks.compacted?.(history, timestamp);
  }

  private commit(items: HistoryItem[], timestamp: string): void {
    if (items.length === 0) return;
    for (const item of items) {
      if (isToolCall(item)) this.unanswered.set(item.call_id, item);
      else if (isToolOutput(item)) {
        this.unanswered.delete(item.call_id);
        this.pendingOutputs.delete(item.call_id);
      }
    }
    this.history.push(...items);
    this.hooks.committed?.(items, timestamp);
  }
}
