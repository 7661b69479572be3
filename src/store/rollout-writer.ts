/**
 * The durable log of a running thread: a `ThreadRecorder` that appends rollout lines.
 *
 * Durability: every line is written synchronously (it survives a kill of the process once the call
 * returns). Received items, tool outputs, commits, turn contexts and turn outcomes are also flushed
 * to the disk, by a group commit off the main thread (append-file.ts); usage, warnings and
 * approvals ride along with the next flush. `durable()` resolves once everything recorded so far is
 * on the disk: the loop awaits it before a tool starts, so a received tool call is on the disk
 * before its tool runs and resume never runs it again, even after a crash of the machine.
 *
 * Commits of items the log already holds are written as references (`{received: n}`,
 * `{outputs: [call_id…]}`), so a response's items and outputs are stored once.
 *
 * Failures (disk full, permissions): the first failed write stops the thread's turn (via
 * `onFailure`) and is thrown from the loop's synchronous path (`received`, `committed`,
 * `compacted`, `turnStarted`), so a call that could not be recorded is never started. `toolOutput` and `event`
 * never throw (they run where a throw would go unhandled); every later write is refused, so the
 * file ends with its last complete line.
 */

import type { SpoolEvent } from '../protocol/events.js';
import { type HistoryItem, isToolOutput, type ToolOutputItem } from '../protocol/items.js';
import type { ThreadRecorder } from '../protocol/recorder.js';
import type { ContextSnapshot, LineType, TurnContextRecord } from '../protocol/rollout.js';
import { emptyUsage } from '../protocol/usage.js';
import type { AppendOnlyFile } from './append-file.js';
import type { SessionStoreError } from './errors.js';
import { isKeptEvent, isTurnEnd, serializeLine } from './format.js';
import type { Closure } from './rollout-fold.js';
import type { RolloutRead } from './rollout-reader.js';
import type { SummaryBuilder } from './summary.js';

export class RolloutRecorder implements ThreadRecorder {
  /** Called once, on the first failed write (the session stops its turn). */
  onFailure: ((error: SessionStoreError) => void) | undefined;
  private pendingReceived: HistoryItem[] = [];
  private readonly pendingOutputs = new Map<string, ToolOutputItem>();

  constructor(
    private readonly file: AppendOnlyFile,
    /** Kept up to date with every line, for the session index. */
    readonly summary: SummaryBuilder,
  ) {
    file.onBackgroundFailure = () => this.fail();
  }

  /** Resolves when every line recorded so far is on the disk; rejects when the log failed. */
  durable(): Promise<void> {
    return this.file.durable();
  }

  get path(): string {
    return this.file.path;
  }

  get bytes(): number {
    return this.file.bytes;
  }

  /** The write failure that stopped this log, if any. */
  get failure(): SessionStoreError | undefined {
    return this.file.broken;
  }

  received(item: HistoryItem): void {
    this.write([['received', item]], true);
    this.pendingReceived.push(item);
  }

  toolOutput(item: ToolOutputItem): void {
    if (this.tryWrite([['tool_output', item]], true)) this.pendingOutputs.set(item.call_id, item);
  }

  committed(items: HistoryItem[]): void {
    if (items.length === 0) return;
    const received = this.pendingReceived;
    if (items.length <= received.length && items.every((item, i) => item === received[i])) {
      this.write([['commit', { received: items.length }]], true);
      this.pendingReceived = [];
      return;
    }
    if (items.every((item) => isToolOutput(item) && this.pendingOutputs.get(item.call_id) === item)) {
      const callIds = items.map((item) => (item as ToolOutputItem).call_id);
      this.write([['commit', { outputs: callIds }]], true);
      for (const id of callIds) this.pendingOutputs.delete(id);
      return;
    }
    this.write(
      items.map((item) => ['item', item]),
      true,
    );
    this.pendingReceived = [];
    for (const item of items) if (isToolOutput(item)) this.pendingOutputs.delete(item.call_id);
  }

  compacted(history: HistoryItem[], snapshot?: ContextSnapshot): void {
    this.write([['compacted', snapshot ? { history, snapshot } : { history }]], true);
    this.pendingReceived = [];
    this.pendingOutputs.clear();
  }

  turnStarted(context: TurnContextRecord): void {
    this.write([['turn_context', context]], true);
  }

  /** The snapshot the initial context described (written once, after a new thread is built). */
  initialContext(snapshot: ContextSnapshot): void {
    this.write([['initial_context', snapshot]], true);
  }

  event(event: SpoolEvent): void {
    if (isKeptEvent(event)) this.tryWrite([['event', event]], isTurnEnd(event));
  }

  /** Appends lines as they are (resume: the lines that close what the last process left open). */
  writeLines(lines: Array<[LineType, unknown]>): void {
    if (lines.length > 0) this.write(lines, true);
  }

  /** Flushes the lines written without a flush. Never throws (used when closing). */
  flush(): void {
    try {
      this.file.sync();
    } catch (err) {
      // The file's own failure is already reported through `failure`; anything else is a bug.
      if (err !== this.file.broken) throw err;
    }
  }

  close(): void {
    this.flush();
    this.file.close();
  }

  private write(lines: Array<[LineType, unknown]>, sync: boolean): void {
    const now = new Date();
    const text = lines.map(([type, payload]) => serializeLine(type, payload, now)).join('');
    try {
      this.file.append(text, sync);
    } catch (err) {
      this.fail();
      throw err;
    }
    for (const [type, payload] of lines) this.summary.add(type, payload);
  }

  private tryWrite(lines: Array<[LineType, unknown]>, sync: boolean): boolean {
    try {
      this.write(lines, sync);
      return true;
    } catch (err) {
      // The file's failure was reported by `write` (through `failure`); anything else is a bug.
      if (err !== this.file.broken) throw err;
      return false;
    }
  }

  private fail(): void {
    const failure = this.file.broken;
    const notify = this.onFailure;
    this.onFailure = undefined;
    if (failure && notify) notify(failure);
  }
}

/**
 * The lines that make a log read back as `read` did when its last process stopped mid-way: the
 * closure of an unfinished response (kept items, recorded or `aborted` outputs) and an outcome for
 * an unfinished turn. Resume appends them before anything new; a fork ends with them.
 */
export function closingLines(
  read: Pick<RolloutRead, 'closure' | 'unfinishedTurn'>,
): Array<[LineType, unknown]> {
  const lines: Array<[LineType, unknown]> = [];
  const closure: Closure | undefined = read.closure;
  if (closure && closure.keptReceived > 0) lines.push(['commit', { received: closure.keptReceived }]);
  if (closure && closure.outputs.length > 0) {
    if (closure.recorded.every(Boolean)) {
      lines.push(['commit', { outputs: closure.outputs.map((output) => output.call_id) }]);
    } else {
      for (const output of closure.outputs) lines.push(['item', output]);
    }
  }
  if (read.unfinishedTurn) {
    const event: SpoolEvent = {
      type: 'turn.failed',
      turn_id: read.unfinishedTurn.turn_id,
      usage: emptyUsage(),
      error: { message: 'the process running this turn stopped before the turn ended', kind: 'process_exit' },
    };
    lines.push(['event', event]);
  }
  return lines;
}
