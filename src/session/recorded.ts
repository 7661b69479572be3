/**
 * A recorded session: a Thread wired to its rollout (store/sessions.ts), holding the session's lock
 * for as long as the thread is open. `thread.close()` releases the thread's resources, then flushes
 * the log, records the session in the index and releases the lock. A failure to write the log stops
 * the turn (the thread is interrupted).
 */
import type { SessionBudget } from '../agent/budget.js';
import { Thread, type ThreadOptions } from '../agent/thread.js';
import type { ModelClient } from '../model/types.js';
import type { TurnContextRecord } from '../protocol/rollout.js';
import type { ThreadSettings } from '../protocol/settings.js';
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

export interface StartSessionOptions extends ThreadRuntime {
  home: string;
  /** The provider id recorded in the meta line (`openai`, `ollama`, …). */
  providerId: string;
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
  runtime: ThreadRuntime,
  rollout: RolloutHandle,
  extra: Pick<ThreadOptions, 'history' | 'contextSnapshot' | 'priorSpend'> = {},
): Thread {
  const onClose = async () => {
    try {
      await runtime.onClose?.();
    } finally {
      rollout.finish();
    }
  };
  const thread = new Thread({
    ...threadOptions(runtime),
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
  });
  try {
    const thread = wire(options, rollout);
    if (thread.contextSnapshot) rollout.recorder.initialContext(thread.contextSnapshot);
    return { thread, recorder: rollout.recorder, path: rollout.path };
  } catch (err) {
    // Nothing usable was recorded (the initial context did not fit).
    rollout.abandon();
    throw err;
  }
}

export interface ResumedSession extends Session {
  lastTurnContext: TurnContextRecord | undefined;
  warnings: string[];
}

/** A ready Thread continuing an opened session, appending to the same rollout. */
export function resumeThread(opened: OpenedSession, runtime: ThreadRuntime): ResumedSession {
  const { read } = opened;
  const rollout = continueRollout(opened);
  try {
    const thread = wire(runtime, rollout, {
      history: read.history,
      // The session's caps count what earlier processes spent on it.
      priorSpend: {
        tokens: read.summary.tokens.input_tokens + read.summary.tokens.output_tokens,
        costUsd: read.summary.cost.usd,
        unpricedRequests: read.summary.cost.unpriced_requests,
      },
      ...(read.lastContext ? { contextSnapshot: read.lastContext } : {}),
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
