/**
 * The durable-log seam of a thread. The loop tells the recorder, in order:
 * - `received(item)`: a finished output item of the response being streamed, before any tool it
 *   calls starts — so after a crash the log shows the call was made and resume never re-runs it;
 * - `toolOutput(item)`: a tool finished (its output is durable before the response completes);
 * - `committed(items)`: items appended to history. A commit supersedes what was received before it:
 *   a reader that meets received items with no commit after them (a crash mid-response) keeps them
 *   through the last tool call and answers calls without output with "aborted".
 * - `turnStarted` / `turnEnded`: turn boundaries with the context the turn ran under.
 */
import type { SpoolEvent } from '../protocol/events.js';
import type { HistoryItem, ToolOutputItem } from '../protocol/items.js';

/** The settings a turn ran with, as recorded (what a later context update is compared with). */
export interface TurnContextRecord {
  turn_id: string;
  cwd: string;
  model: string;
  approval_policy: string;
  sandbox_mode: string;
  network_access: boolean;
}

export interface ThreadRecorder {
  received(item: HistoryItem): void;
  toolOutput(item: ToolOutputItem): void;
  committed(items: HistoryItem[]): void;
  turnStarted(context: TurnContextRecord): void;
  /** Events worth keeping in the log (usage, compaction, turn outcomes, …). */
  event(event: SpoolEvent): void;
}
