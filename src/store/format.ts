/**
 * The rollout file format: one JSON object per line, `{timestamp, type, payload}`, append-only.
 *
 * The first line is always `session_meta`, whose payload carries `format_version`; readers dispatch
 * on it (see rollout-reader.ts). Version 1 is the only version so far. Line types of version 1:
 *
 * - `session_meta`     SessionMeta (first line only)
 * - `initial_context`  ContextSnapshot the initial context described (written after the thread is built)
 * - `turn_context`     TurnContextRecord at the start of each turn (one per turn: turns are counted by it)
 * - `received`         HistoryItem: an output item of the response being streamed, not yet committed
 * - `tool_output`      ToolOutputItem: a finished tool's output, not yet committed
 * - `commit`           {received: n}: the first n received items since the last commit join history,
 *                      the rest are dropped; or {outputs: [call_id…]}: those tool outputs join history
 * - `item`             HistoryItem committed as is (prompts, initial context, context updates, closures)
 * - `compacted`        {history: HistoryItem[]}: compaction replaced the whole history with this one
 * - `event`            SpoolEvent worth keeping (turn outcomes, usage, warnings, approvals, finished display
 *                      items — so a reader shows each item with the id and shape it had live)
 * - `request`          RequestRecord: a model request as sent (digests; changed parts written out), before
 *                      it is sent — history is not changed by it (logs of earlier Spools have none)
 */
import type { SpoolEvent } from '../protocol/events.js';
import type { LineType } from '../protocol/rollout.js';

/**
 * Events kept in the log: what a transcript, the index and audits need, and every finished display
 * item (app-server clients match items by id between live notifications and `thread/read`).
 * Deltas and started/updated states are not kept.
 */
const KEPT_EVENTS: ReadonlySet<SpoolEvent['type']> = new Set([
  'turn.completed',
  'turn.failed',
  'turn.interrupted',
  'usage.updated',
  'warning',
  'approval.resolved',
  // Retries and their causes, for `spool stats`.
  'stream.retrying',
]);

/** Turn outcomes: the log is synced when a turn ends. */
const TURN_ENDS: ReadonlySet<SpoolEvent['type']> = new Set([
  'turn.completed',
  'turn.failed',
  'turn.interrupted',
]);

export function isKeptEvent(event: SpoolEvent): boolean {
  if (event.type === 'item.completed') return true;
  return KEPT_EVENTS.has(event.type);
}

export function isTurnEnd(event: SpoolEvent): boolean {
  return TURN_ENDS.has(event.type);
}

/** One line, newline included. `timestamp` comes first so readers can find `type` without parsing. */
export function serializeLine(type: LineType, payload: unknown, now: Date = new Date()): string {
  return `${JSON.stringify({ timestamp: now.toISOString(), type, payload })}\n`;
}

/** The `type` of a serialized line, found without parsing it (for fast scans). */
export function lineTypeOf(line: string): string | undefined {
  const marker = '"type":"';
  const start = line.indexOf(marker);
  if (start < 0) return undefined;
  const end = line.indexOf('"', start + marker.length);
  return end < 0 ? undefined : line.slice(start + marker.length, end);
}
