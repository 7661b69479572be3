/**
 * A recorded session: a Thread wired to its rollout (store/sessions.ts), holding the session's lock
 * for as long as the thread is open. `thread.close()` releases the thread's resources, then flushes
 * the log, records the session in the index and releases the lock. A failure to write the log stops
 * the turn (the thread is interrupted).
 */
import type { SessionBudget } from '../agent/budget.js';
import { Thread, type ThreadOptions } from '../agent/thread.js';
import type { ModelClient } from '../model/types.js';
import type { SpawnOrigin } from '../protocol/collab.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ContextSnapshot, TurnContextRecord } from '../protocol/rollout.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { SessionStoreError } from '../store/errors.js';
import { keepRequestPart } from '../store/request-parts.js';
import type { RolloutRecorder } from '../store/rollout-writer.js';
import {
  continueRollout,
  createRollout,
  type OpenedSession,
  openSession,
  type RolloutHandle,
  type SessionRef,
} from '../store/sessions.js';
import type { ToolRegistry } from '../tools/registry.js';
import { recordingRequests } from './request-recording.js';

/** What a thread runs with (as for `new Thread`). */
export interface ThreadRuntime {
  client: ModelClient;
  settings: ThreadSettings;
  tools: ToolRegistry;
  /** Tool set changes (MCP) taken at turn boundaries, see ThreadOptions. */
  toolUpdates?: ThreadOptions['toolUpdates'];
  /** Released when the thread closes, before the log is closed. */
  onClose?: () => Promise<void>;
  /** The spend ledger of the thread this one works for (see ThreadOptions.budget). */
  budget?: SessionBudget;
}

export interface Session {
  thread: Thread;
  recorder: RolloutRecorder;
  /** The rollout file. */
  path: string;
}

interface StartSessionOptions extends ThreadRuntime {
  home: string;
  /** The provider id recorded in the meta line (`openai`, `ollama`, …). */
  providerId: string;
  /** A sub-agent's session: where in its tree it was spawned (recorded in the meta line). */
  spawnedFrom?: SpawnOrigin;
  /** The spend ledger of the thread this one works for (see ThreadOptions.budget). */
  budget?: SessionBudget;
  /** The history the thread starts with (a sub-agent forked from its parent's turns). */
  history?: HistoryItem[];
  contextSnapshot?: ContextSnapshot;
}

/** The options of a Thread that runs with `runtime` (no recorder). */
export function threadOptions(runtime: ThreadRuntime): ThreadOptions {
  return {
    client: runtime.client,
    settings: runtime.settings,
    tools: runtime.tools,
    ...(runtime.toolUpdates ? { toolUpdates: runtime.toolUpdates } : {}),
    ...(runtime.onClose ? { onClose: runtime.onClose } : {}),
    ...(runtime.budget ? { budget: runtime.budget } : {}),
  };
}

/** Builds the Thread on `rollout`: failures stop the turn, closing finishes the rollout. */
function wire(
  home: string,
  runtime: ThreadRuntime,
  rollout: RolloutHandle,
  extra: Pick<ThreadOptions, 'history' | 'contextSnapshot' | 'priorSpend' | 'budget'> = {},
): Thread {
  const onClose = async () => {
    try {
      await runtime.onClose?.();
    } finally {
      rollout.finish();
    }
  };
  // Every request is kept as sent (a `request` line) for `spool replay --check`.
  const client = recordingRequests(runtime.client, ({ record, kept }) => {
    for (const [digest, text] of kept) keepRequestPart(home, digest, text);
    try {
      rollout.recorder.writeLines([['request', record]]);
    } catch (err) {
      // The log's failure stops the turn through `onFailure`; the stream itself never throws.
      if (!(err instanceof SessionStoreError)) throw err;
    }
  });
  const thread = new Thread({
    ...threadOptions(runtime),
    client,
    ...extra,
    id: rollout.id,
    recorder: rollout.recorder,
    onClose,
  });
  rollout.recorder.onFailure = () => thread.interrupt();
  return thread;
}

/** Starts a new thread whose every step is recorded in a new rollout file. */
export function startSession(options: StartSessionOptions): Session {
  const s = options.settings;
  const rollout = createRollout({
    home: options.home,
    cwd: s.cwd,
    model: s.model,
    providerId: options.providerId,
    ...(options.spawnedFrom ? { spawnedFrom: options.spawnedFrom } : {}),
  });
  try {
    const thread = wire(options.home, options, rollout, {
      ...(options.budget ? { budget: options.budget } : {}),
      ...(options.history ? { history: options.history } : {}),
      ...(options.contextSnapshot ? { contextSnapshot: options.contextSnapshot } : {}),
    });
    // A forked start records its history as committed items (resume reads them back).
    if (options.history?.length) rollout.recorder.committed(options.history);
    if (thread.contextSnapshot) rollout.recorder.initialContext(thread.contextSnapshot);
    return { thread, recorder: rollout.recorder, path: rollout.path };
  } catch (err) {
    // Nothing usable was recorded (the initial context did not fit).
    rollout.abandon();
    throw err;
  }
}

interface ResumedSession extends Session {
  lastTurnContext: TurnContextRecord | undefined;
  warnings: string[];
}

/** A ready Thread continuing an opened session, appending to the same rollout. */
export function resumeThread(
  opened: OpenedSession,
  runtime: ThreadRuntime,
  options: { budget?: SessionBudget } = {},
): ResumedSession {
  const { read } = opened;
  const rollout = continueRollout(opened);
  try {
    const thread = wire(opened.home, runtime, rollout, {
      history: read.history,
      // The session's caps count what earlier processes spent on it.
      priorSpend: {
        tokens: read.summary.tokens.input_tokens + read.summary.tokens.output_tokens,
        costUsd: read.summary.cost.usd,
        unpricedRequests: read.summary.cost.unpriced_requests,
      },
      ...(read.lastContext ? { contextSnapshot: read.lastContext } : {}),
      ...(options.budget ? { budget: options.budget } : {}),
    });
    if (read.history.length === 0 && thread.contextSnapshot)
      rollout.recorder.initialContext(thread.contextSnapshot);
    return {
      thread,
      recorder: rollout.recorder,
      path: rollout.path,
      lastTurnContext: read.lastTurnContext,
      warnings: read.warnings,
    };
  } catch (err) {
    rollout.abandon();
    throw err;
  }
}

/** Opens and resumes in one call. */
export function resumeSession(
  options: ThreadRuntime & { home: string; session: SessionRef },
): ResumedSession {
  return resumeThread(openSession(options.home, options.session), options);
}
