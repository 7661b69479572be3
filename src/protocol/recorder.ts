/**
 * The durable-log seam of a thread. The loop tells the recorder, in order:
 * - `received(item)`: a finished output item of the response being streamed, before any tool it
 *   calls starts — so after a crash the log shows the call was made and resume never re-runs it
 *   (and the loop awaits `durable()` before starting the tool, for a crash of the machine);
 * - `toolOutput(item)`: a tool finished (its output is durable before the response completes);
 * - `committed(items)`: items appended to history. A commit supersedes what was received before it:
 *   a reader that meets received items with no commit after them (a crash mid-response) keeps them
 *   through the last tool call and answers calls without output with "aborted".
 * - `turnStarted` / `turnEnded`: turn boundaries with the context the turn ran under.
 */
import type { SpoolEvent } from './events.js';
import type { HistoryItem, ToolOutputItem } from './items.js';
import type { ContextSnapshot, TurnContextRecord } from './rollout.js';

export interface ThreadRecorder {
  received(item: HistoryItem): void;
  toolOutput(item: ToolOutputItem): void;
  committed(items: HistoryItem[]): void;
  turnStarted(context: TurnContextRecord): void;
  /** Events worth keeping in the log (usage, compaction, turn outcomes, …). */
  event(event: SpoolEvent): void;
  /**
   * The history was replaced by compaction: from here on, `history` is the whole history (a reader
   * starts over from it). The only time history is not appended to.
   */
  compacted?(history: HistoryItem[], snapshot?: ContextSnapshot): void;
  /** Resolves once what was recorded so far is on the disk (rejects if it cannot get there). */
  durable?(): Promise<void>;
}
