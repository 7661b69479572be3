/**
 * One way for every front end to get a Thread from its configuration: a new recorded session, a
 * resumed one, or an unrecorded (ephemeral) thread, optionally starting from a history. `exec`,
 * `mcp-server` and the app-server all come through here, so a thread is wired the same everywhere.
 */
import type { SessionBudget } from '../agent/budget.js';
import { Thread } from '../agent/thread.js';
import type { Runtime } from '../config/runtime.js';
import { createModelClient } from '../model/client-factory.js';
import type { ModelClient } from '../model/types.js';
import { uuidv7 } from '../protocol/ids.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ContextSnapshot } from '../protocol/rollout.js';
import type { OpenedSession } from '../store/sessions.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { resumeThread, type Session, startSession, type ThreadRuntime, threadOptions } from './recorded.js';

/** A recorded beginning: a new session, or one continued in its rollout (opened by `openSession`). */
export type RecordedStart = { kind: 'new' } | { kind: 'resume'; opened: OpenedSession };

/** How the thread begins; an ephemeral thread is not recorded (with `history`: an ephemeral fork). */
export type ThreadStart =
  | RecordedStart
  | { kind: 'ephemeral'; history?: HistoryItem[]; contextSnapshot?: ContextSnapshot };

export interface OpenedThread {
  thread: Thread;
  /** The recorded session (absent for an ephemeral thread). */
  session?: Session;
}

export interface OpenThreadOptions {
  /** Replaces the model client built from the runtime's provider (tests, the app-server's seam). */
  createModelClient?: (runtime: Runtime) => ModelClient;
  /**
   * The spend caps' ledger of the thread this one works for (a guardian, a sub-agent): its requests
   * count toward that root's `max_cost_usd` / `max_tokens` (agent/budget.ts).
   */
  budget?: SessionBudget;
}

/** What a thread runs with: the runtime's settings and model client, and `tools` (released on close). */
export function threadRuntime(
  runtime: Runtime,
  tools: ThreadTools,
  options: OpenThreadOptions = {},
): ThreadRuntime {
  return {
    client: (options.createModelClient ?? createModelClient)(runtime),
    settings: runtime.settings,
    tools: tools.registry,
    ...(tools.toolUpdates ? { toolUpdates: tools.toolUpdates } : {}),
    onClose: tools.close,
    ...(options.budget ? { budget: options.budget } : {}),
  };
}

/**
 * A Thread running with `runtime` and `tools`, begun as `start` says. `tools` belong to the thread
 * once this returns (closing the thread releases them); when it throws (the log cannot be written,
 * the initial context does not fit) they are still the caller's to close. A resume that fails
 * releases the opened session's lock.
 */
export function openThread(
  runtime: Runtime,
  tools: ThreadTools,
  start: RecordedStart,
  options?: OpenThreadOptions,
): Required<OpenedThread>;
export function openThread(
  runtime: Runtime,
  tools: ThreadTools,
  start: ThreadStart,
  options?: OpenThreadOptions,
): OpenedThread;
export function openThread(
  runtime: Runtime,
  tools: ThreadTools,
  start: ThreadStart,
  options: OpenThreadOptions = {},
): OpenedThread {
  const resources = threadRuntime(runtime, tools, options);
  switch (start.kind) {
    case 'new': {
      const session = startSession({ ...resources, home: runtime.home, providerId: runtime.providerId });
      return { thread: session.thread, session };
    }
    case 'resume': {
      const session = resumeThread(start.opened, resources);
      return { thread: session.thread, session };
    }
    case 'ephemeral':
      return {
        thread: new Thread({
          ...threadOptions(resources),
          ...(start.history ? { id: uuidv7(), history: start.history } : {}),
          ...(start.contextSnapshot ? { contextSnapshot: start.contextSnapshot } : {}),
        }),
      };
  }
}
