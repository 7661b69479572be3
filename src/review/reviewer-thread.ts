/**
 * The reviewer's thread: how it is configured (pure) and built — through the session layer's
 * openThread, recorded as its own session (its id is the review's id) unless asked otherwise.
 *
 * The reviewer is locked down whatever the asking session allows: read-only sandbox, no network,
 * no writable roots, never asks for approval (so it can never be allowed to write), no MCP servers,
 * and only the tools of reviewer-tools.ts.
 */
import type { SessionBudget } from '../agent/budget.js';
import type { Thread } from '../agent/thread.js';
import type { Runtime } from '../config/runtime.js';
import { modelInfo } from '../model/catalog.js';
import type { ModelClient } from '../model/types.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { openThread } from '../session/open-thread.js';
import { REVIEWER_INSTRUCTIONS } from './prompt.js';
import { REVIEW_OUTPUT_SCHEMA } from './result-schema.js';
import { createReviewerTools } from './reviewer-tools.js';

/** What the review needs of the session that asks for it. */
export interface ReviewerWiring {
  /** The asking session's configuration (directory, model, provider, Spool's home). */
  runtime: Runtime;
  /** Makes the model client (default: the provider's); the app-server passes its own. */
  createModelClient?: (runtime: Runtime) => ModelClient;
  /** Record the reviewer as a session (default true): its id is the review's id. */
  record?: boolean;
  /**
   * The budget the reviewer's requests count against: the asking session's, when the review is a
   * turn of it (its `max_cost_usd` / `max_tokens` then cap the review too). Absent: its own.
   */
  budget?: SessionBudget;
}

export interface ReviewerThread {
  readonly thread: Thread;
  readonly model: string;
  /** The rollout file, when recorded. */
  readonly path: string | undefined;
  /** Keeps an event in the reviewer's log (the review's result). */
  record(event: SpoolEvent): void;
  close(): Promise<void>;
}

/**
 * Whether the provider constrains output to a JSON Schema for this model: the catalog's families
 * (OpenAI's) do; for others the answer is read leniently and checked the same way.
 */
export function structuredOutputSupported(model: string): boolean {
  return modelInfo(model).known;
}

/** The reviewer's settings, from the asking session's: same directory and provider, locked down. */
export function reviewerSettings(
  base: ThreadSettings,
  reviewModel: string | undefined,
  contextWindow?: number,
): ThreadSettings {
  const model = reviewModel?.trim() || base.model;
  const info = modelInfo(model);
  const sameModel = model === base.model;
  const window = sameModel ? base.contextWindow : (contextWindow ?? info.contextWindow);
  return {
    ...base,
    model,
    baseInstructions: REVIEWER_INSTRUCTIONS,
    sandbox: {
      mode: 'read-only',
      writableRoots: [],
      networkAccess: false,
      excludeTmpdirEnvVar: false,
      excludeSlashTmp: false,
    },
    approvalPolicy: 'never',
    bypassSandbox: false,
    outputSchema: structuredOutputSupported(model)
      ? { schema: REVIEW_OUTPUT_SCHEMA, strict: true }
      : undefined,
    contextWindow: window,
    autoCompactTokenLimit: sameModel ? base.autoCompactTokenLimit : Math.floor(window * 0.9),
    reasoning: sameModel
      ? base.reasoning
      : info.reasoning
        ? (base.reasoning ?? { effort: 'medium', summary: 'auto' })
        : undefined,
  };
}

/** Builds (and, by default, records) the reviewer's thread. Throws SessionStoreError when it cannot record. */
export function openReviewerThread(wiring: ReviewerWiring): ReviewerThread {
  const { runtime } = wiring;
  const settings = reviewerSettings(
    runtime.settings,
    runtime.config.review_model,
    runtime.config.model_context_window,
  );
  const tools = createReviewerTools(settings);
  const options = {
    ...(wiring.createModelClient ? { createModelClient: wiring.createModelClient } : {}),
    ...(wiring.budget ? { budget: wiring.budget } : {}),
  };
  try {
    const { thread, session } = openThread(
      { ...runtime, settings },
      tools,
      wiring.record === false ? { kind: 'ephemeral' } : { kind: 'new' },
      options,
    );
    return {
      thread,
      model: settings.model,
      path: session?.path,
      record: session ? (event) => session.recorder.event(event) : () => {},
      close: () => thread.close(),
    };
  } catch (err) {
    // openThread leaves the tools to the caller when it throws.
    void tools.close();
    throw err;
  }
}
