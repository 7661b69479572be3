/**
 * A review shown as a turn of another thread (app-server `review/start`, the TUI's `/review`): the
 * request is that thread's user message, the reviewer's items stream as the turn's, the review joins
 * its history as the assistant's answer (so "fix the second finding" works next), and the reviewer's
 * tokens and their cost count in its totals (and against its budget caps).
 */
import type { Thread } from '../agent/thread.js';
import type { TurnOutcome } from '../agent/turn.js';
import { requestLabel } from './prompt.js';
import { type PreparedReview, type ReviewOutcome, type ReviewRunOptions, runPreparedReview } from './run.js';

export async function reviewAsTurn(
  thread: Thread,
  prepared: PreparedReview,
  options: Omit<ReviewRunOptions, 'signal' | 'onEvent'>,
): Promise<{ turn: TurnOutcome; review: ReviewOutcome | undefined }> {
  let review: ReviewOutcome | undefined;
  const turn = await thread.runDelegatedTurn(
    requestLabel(prepared.target, prepared.instructions),
    async (delegated) => {
      review = await runPreparedReview(prepared, {
        ...options,
        // The review is this thread's turn: its spending counts against this thread's caps.
        budget: thread.budget,
        signal: delegated.signal,
        onEvent: (event) => {
          if (
            event.type === 'item.started' ||
            event.type === 'item.updated' ||
            event.type === 'item.completed' ||
            event.type === 'item.delta'
          )
            delegated.emit(event);
        },
      });
      return {
        status: review.status,
        items: [
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: review.review }] },
        ],
        usage: review.usage,
        cost: review.cost,
        ...(review.error ? { error: review.error } : {}),
      };
    },
  );
  return { turn, review };
}
