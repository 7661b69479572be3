/**
 * The turn loop: sample, run tools, sample again, until a response has no tool call.
 *
 * Failures have one path: an attempt ends `failed` with a classified error; retryable ones are
 * retried with backoff (visible as `stream.retrying`), the rest end the turn with `turn.failed`.
 * Because an attempt commits the tool calls it received (and their outputs) before reporting a
 * failure, a retry continues from history and can never run a tool twice.
 */

import { backoffDelayMs, sleep } from '../model/retry.js';
import type { ModelError, ModelErrorKind, ModelRequest } from '../model/types.js';
import type { TurnRetryPolicy } from '../protocol/settings.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { type AttemptDeps, runAttempt } from './attempt.js';
import type { TurnSpend } from './budget.js';

const STREAM_KINDS: ReadonlySet<ModelErrorKind> = new Set(['stream_closed', 'idle_timeout', 'bad_response']);

interface TurnDeps extends AttemptDeps {
  retry: TurnRetryPolicy;
  /** Builds the request from the current history (called before every attempt). */
  buildRequest(): ModelRequest;
  /** Adds a response's usage to the thread's totals; returns the new thread total. */
  recordUsage(usage: Usage): Usage;
  /** Tokens the next request will carry (estimated) and the model's window. */
  contextStatus(): { tokens: number; window: number };
  /** Whether the context is past the auto-compact limit (asked before every attempt). */
  needsCompaction(): boolean;
  /** Compacts the history (a failure is reported by the thread); resolves to what its requests spent. */
  compact(signal: AbortSignal): Promise<Usage>;
  /**
   * The server refused the input as too long (`error`): learn the window from it and compact; when
   * that does not work, why, in words the user can act on. `usage`: what the compaction spent.
   */
  compactForOverflow(
    signal: AbortSignal,
    error: ModelError,
  ): Promise<({ ok: true } | { ok: false; message: string }) & { usage: Usage }>;
  /** Commits input the user added while the turn runs (turn/steer); true when there was some. */
  takeSteered(): boolean;
  /** Prices and caps (agent/budget.ts): checked before every request, charged after every response. */
  spend?: TurnSpend;
}

/** A spend cap stopped the turn before a request (nothing was sent; resume continues). */
export interface BudgetExceeded {
  kind: 'budget_exceeded';
  message: string;
  retryable: false;
}

export type TurnOutcome =
  | { status: 'completed'; usage: Usage; finalMessage?: string }
  | { status: 'failed'; usage: Usage; error: ModelError | BudgetExceeded }
  | { status: 'interrupted'; usage: Usage };

export async function runTurnLoop(deps: TurnDeps, signal: AbortSignal): Promise<TurnOutcome> {
  let usage = emptyUsage();
  let failures = 0;
  let finalMessage: string | undefined;

  const cost = () => (deps.spend ? { cost: deps.spend.cost } : {});
  const interrupted = (): TurnOutcome => {
    deps.emit({ type: 'turn.interrupted', turn_id: deps.turnId, usage, ...cost() });
    return { status: 'interrupted', usage };
  };

  // A spend cap ends the turn before any request (a compaction's too), with nothing sent.
  const overBudget = (): TurnOutcome | undefined => {
    const stop = deps.spend?.check();
    if (stop === undefined) return undefined;
    const error: BudgetExceeded = { kind: 'budget_exceeded', message: stop, retryable: false };
    deps.emit({
      type: 'turn.failed',
      turn_id: deps.turnId,
      usage,
      error: { message: stop, kind: error.kind },
      ...cost(),
    });
    return { status: 'failed', usage, error };
  };
  // What a response (or a compaction) spent: in the turn's and thread's totals, charged, shown.
  const account = (spent: Usage) => {
    usage = addUsage(usage, spent);
    const thread = deps.recordUsage(spent);
    const costs = deps.spend?.charge(spent);
    const context = deps.contextStatus();
    deps.emit({
      type: 'usage.updated',
      turn_id: deps.turnId,
      last: spent,
      turn: usage,
      thread,
      context_tokens: context.tokens,
      context_window: context.window,
      ...(costs ? { cost: costs } : {}),
    });
  };
  const accountCompaction = (spent: Usage) => {
    if (spent.input_tokens + spent.output_tokens > 0) account(spent);
  };

  // One compaction per overflow: if the compacted history is refused too, the turn fails.
  let overflowCompacted = false;
  for (;;) {
    if (signal.aborted) return interrupted();
    deps.takeSteered();
    if (deps.needsCompaction()) {
      const stopped = overBudget();
      if (stopped) return stopped;
      accountCompaction(await deps.compact(signal));
      if (signal.aborted) return interrupted();
    }
    const stopped = overBudget();
    if (stopped) return stopped;
    deps.emit({ type: 'request.started', turn_id: deps.turnId, attempt: failures });
    const result = await runAttempt(deps, deps.buildRequest(), signal);

    if (result.status === 'completed') {
      failures = 0;
      overflowCompacted = false;
      account(result.usage);
      if (result.finalMessage !== undefined) finalMessage = result.finalMessage;
      // More input arrived while the model answered: the turn goes on with it.
      if (result.toolCalls > 0 || deps.takeSteered()) continue;
      if (signal.aborted) return interrupted();
      deps.emit({ type: 'turn.completed', turn_id: deps.turnId, usage, ...cost() });
      return { status: 'completed', usage, finalMessage };
    }
    if (result.status === 'aborted') return interrupted();

    let { error } = result;
    // A refusal as too long is never sent again as it was: the history is compacted first, once.
    if (error.kind === 'context_length_exceeded') {
      if (!overflowCompacted) {
        overflowCompacted = true;
        const stopped = overBudget();
        if (stopped) return stopped;
        const compacted = await deps.compactForOverflow(signal, error);
        accountCompaction(compacted.usage);
        if (compacted.ok) continue;
        if (signal.aborted) return interrupted();
        error = { ...error, message: compacted.message };
      } else {
        error = {
          ...error,
          message: `The conversation still does not fit the model's context window after compacting it (${error.message}). Start a new session, or give the model less to read at once.`,
        };
      }
    }
    const max = STREAM_KINDS.has(error.kind) ? deps.retry.streamMaxRetries : deps.retry.requestMaxRetries;
    if (!error.retryable || failures >= max) {
      deps.emit({
        type: 'turn.failed',
        turn_id: deps.turnId,
        usage,
        error: {
          message: error.message,
          kind: error.kind,
          ...(error.status !== undefined ? { status: error.status } : {}),
        },
        ...cost(),
      });
      return { status: 'failed', usage, error };
    }
    failures++;
    const delay = backoffDelayMs({ ...deps.retry, maxRetries: max }, failures, error.retryAfterMs);
    deps.emit({
      type: 'stream.retrying',
      turn_id: deps.turnId,
      attempt: failures,
      max_attempts: max,
      delay_ms: delay,
      message: `Reconnecting... ${failures}/${max} (${error.message})`,
      kind: error.kind,
      ...(error.status !== undefined ? { status: error.status } : {}),
    });
    if (!(await sleep(delay, signal))) return interrupted();
  }
}
