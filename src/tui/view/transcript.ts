/**
 * The transcript: the app-server's notifications turned into lines. Finished entries become
 * `committed` lines (taken once by the app and written to the scrollback); entries still running
 * (a streaming message, a running command) are drawn in the live region until they finish.
 *
 * Streaming assistant text is written to the scrollback line by line as each source line
 * completes, so the live region only ever holds the line being typed.
 */
import { MarkdownRenderer } from '../render/markdown.js';
import { sanitize } from '../terminal/width.js';
import {
  commandLines,
  commentaryLines,
  fileChangeLines,
  finishedItemLines,
  isCommentary,
  mcpLines,
  type PlanStep,
  planLines,
  reasoningLines,
  runningCommandLines,
  type SystemKind,
  systemLines,
  waitingPatchLines,
} from './cells.js';
import type { V2Item, V2Turn } from './v2.js';

interface StreamingText {
  kind: 'message' | 'reasoning';
  item: V2Item;
  text: string;
  /** Characters of `text` already written to the scrollback (whole lines). */
  consumed: number;
  markdown: MarkdownRenderer;
  /** Whether anything of it went to the scrollback yet (its leading blank line). */
  started: boolean;
}

interface LiveEntry {
  item: V2Item;
  output: string;
}

export class Transcript {
  width: number;
  private committed: string[] = [];
  private readonly streams = new Map<string, StreamingText>();
  private readonly live = new Map<string, LiveEntry>();
  /** Items by id (for the approval modal: the change or command being asked about). */
  private readonly items = new Map<string, V2Item>();
  private readonly waiting = new Set<string>();
  private lastBlank = true;

  constructor(
    width: number,
    private readonly cwd: () => string,
  ) {
    this.width = width;
  }

  /** The lines finished since the last call, for the scrollback. */
  takeCommitted(): string[] {
    const out = this.committed;
    this.committed = [];
    return out;
  }

  item(id: string): V2Item | undefined {
    return this.items.get(id);
  }

  /** Marks an item as waiting on the user's approval (shown so in the live region). */
  setWaiting(id: string, waiting: boolean): void {
    if (waiting) this.waiting.add(id);
    else this.waiting.delete(id);
  }

  get hasLive(): boolean {
    return this.live.size > 0 || [...this.streams.values()].some((s) => s.text.length > s.consumed);
  }

  /** A block of lines for the scrollback, separated from the previous one by a blank line. */
  block(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (!this.lastBlank) this.committed.push('');
    this.committed.push(...lines);
    this.lastBlank = lines[lines.length - 1] === '';
  }

  system(kind: SystemKind, text: string): void {
    this.block(systemLines(kind, text, this.width));
  }

  /** Lines written as they are (no separator): a continuing block. */
  private append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.committed.push(...lines);
    this.lastBlank = lines[lines.length - 1] === '';
  }

  /**
   * Finished turns of a resumed or forked thread, through the very path live notifications take
   * (item started, item completed, turn ended), so a session reads the same resumed as it did live.
   */
  replay(turns: readonly V2Turn[]): void {
    for (const turn of turns) {
      for (const item of turn.items) {
        this.itemStarted(item);
        this.itemCompleted(item);
      }
      if (turn.status !== 'inProgress') this.turnFinished(turn.status, turn.error);
    }
  }

  /** A turn ended: what is still open is closed, and how it ended is said when it did not complete. */
  turnFinished(status: string, error: { message: string } | null | undefined): void {
    this.turnEnded();
    if (status === 'interrupted') this.system('error', 'Interrupted. Tell the agent what to do differently.');
    else if (status === 'failed') this.system('error', error?.message ?? 'The turn failed.');
  }

  itemStarted(item: V2Item): void {
    this.items.set(item.id, item);
    switch (item.type) {
      case 'agentMessage':
      case 'reasoning':
        this.streams.set(item.id, {
          kind: item.type === 'agentMessage' ? 'message' : 'reasoning',
          item,
          text: '',
          consumed: 0,
          markdown: new MarkdownRenderer(),
          started: false,
        });
        return;
      case 'userMessage':
        // Shown when completed (it completes at once).
        return;
      default:
        this.live.set(item.id, { item, output: '' });
    }
  }

  delta(itemId: string, delta: string): void {
    const stream = this.streams.get(itemId);
    if (stream) {
      stream.text += delta;
      if (stream.kind === 'message') this.flushLines(stream, false);
      return;
    }
    const entry = this.live.get(itemId);
    if (entry) entry.output += delta;
  }

  itemCompleted(item: V2Item): void {
    this.items.set(item.id, item);
    this.waiting.delete(item.id);
    const stream = this.streams.get(item.id);
    if (stream) {
      this.streams.delete(item.id);
      if (item.type === 'agentMessage') {
        // The completed text is authoritative; what streamed is normally its prefix.
        if (item.text.startsWith(stream.text)) stream.text = item.text;
        else if (stream.consumed === 0) stream.text = item.text;
        // The finished item knows the phase even when the stream's start did not say it.
        stream.item = item;
        this.flushLines(stream, true);
      } else if (item.type === 'reasoning') {
        const summary = item.summary ?? [];
        const text = summary.length > 0 ? summary.join('\n\n') : stream.text;
        this.block(reasoningLines(text, this.width));
      }
      return;
    }
    this.live.delete(item.id);
    const lines = this.finishedLines(item);
    if (lines) this.block(lines);
  }

  planUpdated(plan: readonly PlanStep[], explanation: string | null): void {
    this.block(planLines(plan, explanation, this.width));
  }

  /** Live entries still open when their turn ended (the server completes them; this is a safety net). */
  turnEnded(): void {
    for (const stream of this.streams.values()) if (stream.kind === 'message') this.flushLines(stream, true);
    this.streams.clear();
    this.live.clear();
    this.waiting.clear();
  }

  /** The live region's transcript part: partial lines and running entries. */
  liveLines(): string[] {
    const lines: string[] = [];
    const width = this.width;
    for (const stream of this.streams.values()) {
      const rest = stream.text.slice(stream.consumed);
      if (stream.kind === 'reasoning') {
        const shown = reasoningLines(rest, width).slice(-3);
        if (shown.length) lines.push('', ...shown);
      } else if (rest !== '') {
        const partial = isCommentary(stream.item)
          ? commentaryLines(rest, width)
          : stream.markdown.peek(sanitize(rest), width);
        if (!stream.started) lines.push('');
        lines.push(...partial);
      }
    }
    for (const [id, entry] of this.live) {
      const item = entry.item;
      lines.push('');
      if (item.type === 'commandExecution') {
        lines.push(...runningCommandLines(item, entry.output, width, this.waiting.has(id)));
      } else if (item.type === 'fileChange') {
        if (this.waiting.has(id)) lines.push(...waitingPatchLines(item, this.cwd(), width));
        else lines.push(...fileChangeLines(item, this.cwd(), width, 8));
      } else if (item.type === 'mcpToolCall') {
        lines.push(...mcpLines(item, width));
      } else if (item.type === 'contextCompaction') {
        lines.push(...systemLines('info', 'Compacting the context…', width));
      }
    }
    return lines;
  }

  private finishedLines(item: V2Item): string[] | undefined {
    if (item.type === 'commandExecution') return commandLines(item, this.width);
    if (item.type === 'fileChange') return fileChangeLines(item, this.cwd(), this.width);
    return finishedItemLines(item, this.cwd(), this.width);
  }

  /** One complete line of a streamed message: Markdown, or dimmed commentary. */
  private messageLine(stream: StreamingText, line: string): string[] {
    return isCommentary(stream.item)
      ? commentaryLines(line, this.width)
      : stream.markdown.line(sanitize(line), this.width);
  }

  /** Writes the stream's complete lines (all of it when `final`) to the scrollback. */
  private flushLines(stream: StreamingText, final: boolean): void {
    const lines: string[] = [];
    for (;;) {
      const newline = stream.text.indexOf('\n', stream.consumed);
      if (newline < 0) break;
      lines.push(...this.messageLine(stream, stream.text.slice(stream.consumed, newline)));
      stream.consumed = newline + 1;
    }
    if (final && stream.consumed < stream.text.length) {
      lines.push(...this.messageLine(stream, stream.text.slice(stream.consumed)));
      stream.consumed = stream.text.length;
    }
    if (!stream.started) {
      // Leading blank lines of a message are not worth a row each.
      while (lines[0] === '') lines.shift();
      if (lines.length === 0) return;
      stream.started = true;
      this.block(lines);
    } else this.append(lines);
  }
}
