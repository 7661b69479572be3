/**
 * review/start (Codex's v2 shape): a code review of the thread's repository, run by a read-only
 * reviewer thread (src/review/) and shown as a turn — of the thread itself (`delivery: "inline"`,
 * the default), or of a new thread forked from it (`"detached"`, whose id the response gives).
 * The turn carries `enteredReviewMode` and `exitedReviewMode` items; the latter has the rendered
 * review (Codex's `review`) and Spool's findings as data (`result`).
 */
import { z } from 'zod';
import type { ReviewStartResponse } from '../../protocol/app-server-v2.js';
import { ReviewTarget } from '../../protocol/review.js';
import { reviewAsTurn } from '../../review/in-thread.js';
import { requestLabel } from '../../review/prompt.js';
import { prepareReview } from '../../review/run.js';
import { ReviewRequestError } from '../../review/target.js';
import { invalidRequest } from '../jsonrpc.js';
import type { LoadedThread } from '../loaded-thread.js';
import { defineMethod, type MethodContext, type MethodTable } from '../router.js';
import { userMessageId } from '../v2-items.js';
import { threadObject } from '../v2-shapes.js';

const ReviewStartParams = z.object({
  threadId: z.string(),
  target: ReviewTarget,
  delivery: z.enum(['inline', 'detached']).nullish(),
});

/** The thread the review runs on: the asking thread, or a new one forked from it (detached). */
function reviewThread(ctx: MethodContext, parent: LoadedThread, detached: boolean): LoadedThread {
  if (!detached) return parent;
  const threads = ctx.server.threads;
  const loaded = parent.session
    ? threads.fork(parent.id, {}).loaded
    : threads.start({ cwd: parent.settings.cwd, model: parent.settings.model, ephemeral: true });
  loaded.subscribe(ctx.connection);
  return loaded;
}

export const reviewMethods: MethodTable = {
  'review/start': defineMethod(ReviewStartParams, async (ctx, params): Promise<ReviewStartResponse> => {
    const parent = ctx.server.threads.requireFor(ctx.connection, params.threadId);
    const runtime = parent.runtime();
    const wiring = { runtime, createModelClient: ctx.server.ctx.createModelClient };
    let prepared: Awaited<ReturnType<typeof prepareReview>>;
    try {
      prepared = await prepareReview({ target: params.target }, wiring);
    } catch (err) {
      if (err instanceof ReviewRequestError) throw invalidRequest(err.message);
      throw err;
    }
    const detached = params.delivery === 'detached';
    const target = reviewThread(ctx, parent, detached);
    const label = requestLabel(prepared.target);
    const { turn, release } = await target.startDelegatedTurn(label, (thread) =>
      reviewAsTurn(thread, prepared, wiring),
    );
    ctx.after(() => {
      if (detached)
        ctx.connection.notify('thread/started', { thread: threadObject(target.info(), target.status(), []) });
      release();
    });
    return {
      turn: {
        ...turn,
        items: [
          {
            type: 'userMessage',
            id: userMessageId(turn.id, 0),
            content: [{ type: 'text', text: label, text_elements: [] }],
          },
        ],
      },
      reviewThreadId: target.id,
    };
  }),
};
