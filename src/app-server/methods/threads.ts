/** thread/start, thread/resume, thread/fork, thread/list, thread/read, thread/archive, thread/compact/start. */
import { z } from 'zod';
import type { Thread, ThreadStartResponse } from '../../protocol/app-server-v2.js';
import { SessionLockedError } from '../../store/errors.js';
import { invalidRequest } from '../jsonrpc.js';
import type { LoadedThread } from '../loaded-thread.js';
import {
  ThreadForkParams,
  ThreadIdParams,
  ThreadListParams,
  ThreadReadParams,
  ThreadResumeParams,
  ThreadStartParams,
} from '../params.js';
import { defineMethod, type MethodContext, type MethodTable } from '../router.js';
import {
  archiveStoredThread,
  findStoredThread,
  listStoredThreads,
  readRecordedTurns,
  readSessionMeta,
  storedThreadInfo,
} from '../stored-threads.js';
import { threadObject, threadSettingsFields, type V2Turn } from '../v2-shapes.js';

function loadedThreadObject(loaded: LoadedThread, turns: V2Turn[] = []): Thread {
  return threadObject(loaded.info(), loaded.status(), turns);
}

/** The answer to start/resume/fork: the thread and the settings it runs with. */
function openedResponse(loaded: LoadedThread, turns: V2Turn[]): ThreadStartResponse {
  return {
    thread: loadedThreadObject(loaded, turns),
    ...threadSettingsFields(loaded.settings, loaded.info().modelProvider),
  };
}

/** Subscribes the caller; after the response: `thread/started`, then the thread's startup warnings. */
function announce(ctx: MethodContext, loaded: LoadedThread): void {
  loaded.subscribe(ctx.connection);
  ctx.after(() => {
    ctx.connection.notify('thread/started', { thread: loadedThreadObject(loaded) });
    loaded.thread.announce();
  });
}

export const threadMethods: MethodTable = {
  'thread/start': defineMethod(ThreadStartParams, async (ctx, params) => {
    // MCP servers start with the first thread; each is waited for within its own startup timeout.
    await ctx.server.ctx.toolsReady();
    const loaded = ctx.server.threads.start(params);
    announce(ctx, loaded);
    return openedResponse(loaded, []);
  }),

  'thread/resume': defineMethod(ThreadResumeParams, async (ctx, params) => {
    const { threadId, excludeTurns, ...overrides } = params;
    const { loaded, turns, warnings } = ctx.server.threads.resume(threadId, overrides);
    loaded.subscribe(ctx.connection);
    // Its sub-agents come back with it (src/agents/), shown to this connection.
    warnings?.push(...(await ctx.server.threads.restoreAgents(loaded)));
    ctx.after(() => {
      for (const message of warnings ?? []) ctx.connection.notify('warning', { threadId, message });
      // Startup warnings (project docs) of a thread loaded just now.
      loaded.thread.announce();
    });
    return openedResponse(loaded, excludeTurns ? [] : turns);
  }),

  'thread/fork': defineMethod(ThreadForkParams, (ctx, params) => {
    const { threadId, excludeTurns, ...rest } = params;
    const { loaded, turns } = ctx.server.threads.fork(threadId, rest);
    announce(ctx, loaded);
    return openedResponse(loaded, excludeTurns ? [] : turns);
  }),

  /**
   * Codex's method for approving, once, an action the automatic reviewer denied: `event` is the
   * review (its `id` is the `reviewId` of `item/autoApprovalReview/*`).
   */
  'thread/approveGuardianDeniedAction': defineMethod(
    z.object({ threadId: z.string(), event: z.object({ id: z.string() }).passthrough() }),
    (ctx, params) => {
      const loaded = ctx.server.threads.requireFor(ctx.connection, params.threadId);
      if (!loaded.approveGuardianDenied(params.event.id))
        throw invalidRequest(
          `review ${params.event.id} is not an action the automatic reviewer denied on this thread`,
        );
      return {};
    },
  ),

  'thread/list': defineMethod(ThreadListParams, (ctx, params) => {
    const threads = ctx.server.threads;
    const page = listStoredThreads(threads.home, params, ctx.server.ctx.flags.cwd ?? process.cwd());
    return {
      data: page.data.map((listing) => {
        const loaded = threads.get(listing.id);
        return threadObject(storedThreadInfo(listing), loaded ? loaded.status() : { type: 'notLoaded' });
      }),
      nextCursor: page.nextCursor,
      backwardsCursor: null,
    };
  }),

  'thread/loaded/list': defineMethod(z.object({}), (ctx) => ({
    data: ctx.server.threads.loadedIds(),
    nextCursor: null,
  })),

  'thread/read': defineMethod(ThreadReadParams, (ctx, params) => {
    const threads = ctx.server.threads;
    const loaded = threads.get(params.threadId);
    if (loaded)
      return { thread: loadedThreadObject(loaded, params.includeTurns ? threads.turnsOf(loaded) : []) };
    const stored = findStoredThread(threads.home, params.threadId);
    if (!stored) throw invalidRequest(`no thread has the id ${params.threadId}`);
    const turns = params.includeTurns ? readRecordedTurns(stored.listing.path).turns : [];
    const git = readSessionMeta(stored.listing.path)?.git;
    return { thread: threadObject(storedThreadInfo(stored.listing, git), { type: 'notLoaded' }, turns) };
  }),

  'thread/archive': defineMethod(ThreadIdParams, async (ctx, params) => {
    const threads = ctx.server.threads;
    const loaded = threads.get(params.threadId);
    if (loaded && !loaded.session) {
      // Nothing is recorded: archiving an ephemeral thread only closes it.
      await threads.unload(params.threadId);
    } else {
      const stored = threads.stored(params.threadId);
      if (loaded) await threads.unload(params.threadId);
      try {
        archiveStoredThread(threads.home, stored.listing);
      } catch (err) {
        if (err instanceof SessionLockedError) throw invalidRequest(err.message);
        throw err;
      }
    }
    ctx.after(() => ctx.server.broadcast('thread/archived', { threadId: params.threadId }));
    return {};
  }),

  'thread/compact/start': defineMethod(ThreadIdParams, async (ctx, params) => {
    const loaded = ctx.server.threads.requireFor(ctx.connection, params.threadId);
    ctx.after(await loaded.compact());
    return {};
  }),
};
