/**
 * The guardian's conversations with the model. One conversation is kept for the reviewed thread
 * and asked every question in turn, so each request extends the previous one byte for byte and
 * the provider's prefix cache stays warm. When it is busy (parallel tool calls), the question goes
 * to a fork of its last settled state, which is closed afterwards: nothing waits in a queue.
 */
import type { Thread } from '../agent/thread.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ContextSnapshot } from '../protocol/rollout.js';
import { type ReviewPrompt, START_CURSOR, type TranscriptCursor } from './prompt.js';

/** Where a conversation begins: empty, or a copy of another one's settled history. */
export interface ConversationStart {
  history: HistoryItem[];
  contextSnapshot?: ContextSnapshot;
}

/** Opens a guardian thread (read-only, structured output); `from` forks a settled one. */
export type OpenGuardianThread = (from?: ConversationStart) => Thread;

type GuardianRun =
  | { status: 'answered'; text: string | undefined }
  | { status: 'failed'; error: string }
  | { status: 'timed_out' }
  | { status: 'aborted' };

interface Conversation {
  thread: Thread;
  cursor: TranscriptCursor;
  busy: boolean;
}

interface Settled extends ConversationStart {
  cursor: TranscriptCursor;
}

export class GuardianConversations {
  private primary: Conversation | undefined;
  /** The primary conversation as it stood after its last review (what forks start from). */
  private settled: Settled | undefined;
  private readonly forks = new Set<Thread>();
  private closed = false;

  constructor(
    private readonly open: OpenGuardianThread,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Asks one question: `build` makes it from the conversation's cursor (what it has already read).
   * Never throws; a timeout or the caller's abort interrupts the guardian's turn.
   */
  async ask(build: (cursor: TranscriptCursor) => ReviewPrompt, signal: AbortSignal): Promise<GuardianRun> {
    if (this.closed) return { status: 'failed', error: 'the automatic reviewer was closed' };
    if (signal.aborted) return { status: 'aborted' };
    let conversation: Conversation;
    let forked = false;
    try {
      if (!this.primary) {
        const thread = this.open();
        this.primary = { thread, cursor: START_CURSOR, busy: false };
      }
      if (!this.primary.busy) conversation = this.primary;
      else {
        const from = this.settled;
        const thread = this.open(
          from && {
            history: from.history,
            ...(from.contextSnapshot ? { contextSnapshot: from.contextSnapshot } : {}),
          },
        );
        this.forks.add(thread);
        conversation = {
          thread,
          cursor: from?.cursor ?? START_CURSOR,
          busy: false,
        };
        forked = true;
      }
    } catch (err) {
      return { status: 'failed', error: `the guardian could not start: ${(err as Error).message}` };
    }
    conversation.busy = true;
    try {
      const prompt = build(conversation.cursor);
      const { history } = conversation.thread;
      const lastIndex = history.length - 1;
      const last = history[lastIndex];
      const run = await this.runTurn(conversation.thread, prompt.text, signal);
      if (run.status === 'answered') conversation.cursor = prompt.cursor;
      // The guardian's own context was compacted (its history no longer holds what it held): what
      // it had read is now only a summary, so the next question carries the whole excerpt again.
      if (conversation.thread.history[lastIndex] !== last) conversation.cursor = START_CURSOR;
      return run;
    } finally {
      conversation.busy = false;
      if (forked) {
        this.forks.delete(conversation.thread);
        await conversation.thread.close();
      } else {
        const { thread } = conversation;
        this.settled = {
          history: [...thread.history],
          cursor: conversation.cursor,
          ...(thread.contextSnapshot ? { contextSnapshot: thread.contextSnapshot } : {}),
        };
      }
    }
  }

  private async runTurn(thread: Thread, text: string, signal: AbortSignal): Promise<GuardianRun> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      thread.interrupt();
    }, this.timeoutMs);
    const onAbort = () => thread.interrupt();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await thread.runTurn(text);
      if (signal.aborted) return { status: 'aborted' };
      if (timedOut) return { status: 'timed_out' };
      if (outcome.status === 'completed') return { status: 'answered', text: outcome.finalMessage };
      if (outcome.status === 'failed') return { status: 'failed', error: outcome.error.message };
      return { status: 'failed', error: 'the guardian turn was interrupted' };
    } catch (err) {
      // A thread that cannot run (closed, a storage error) is a failed review, never an approval.
      return { status: 'failed', error: (err as Error).message };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Closes every guardian thread (their tools, their command sessions). */
  async close(): Promise<void> {
    this.closed = true;
    const threads = [...this.forks, ...(this.primary ? [this.primary.thread] : [])];
    for (const thread of threads) thread.interrupt();
    await Promise.all(threads.map((thread) => thread.close()));
  }
}
