/**
 * Compaction: replacing a history that fills the context window with a compact one.
 *
 * Remote (the provider's `/responses/compact`, which keeps the model's latent state in an opaque
 * `compaction` item) where the client has it; otherwise local: the model writes a structured
 * checkpoint. The checkpoint request is the normal request with one message appended — same
 * instructions, same tools — so it reuses the cached prefix (Codex's local compaction sends no tools
 * and pays for the whole history uncached).
 *
 * The compaction request must itself fit the window. Its input is fitted to the budget the thread
 * knows (see frontier.ts: the oldest items give way, the task frontier stays); when the server
 * still refuses it as too long, the thread learns the smaller window from the refusal and the
 * request is fitted again, a bounded number of times.
 */
import {
  CHECKPOINT_REQUEST,
  checkpointMessage,
  compactedHistory,
  recentUserPrompts,
  remoteCompactedHistory,
} from '../context/checkpoint.js';
import { fitCompactionInput } from '../context/frontier.js';
import { estimateTokens } from '../context/tokens.js';
import { backoffDelayMs, sleep } from '../model/retry.js';
import type { ModelClient, ModelError, ModelRequest } from '../model/types.js';
import type { SpoolEvent } from '../protocol/events.js';
import { type HistoryItem, messageText, userText } from '../protocol/items.js';
import type { TurnRetryPolicy } from '../protocol/settings.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';

export type CompactionTrigger = 'auto' | 'manual' | 'overflow';
export type CompactionMode = 'remote' | 'local';

/** Recent user prompts kept word for word in a local compaction. */
const RECENT_PROMPTS_BUDGET_TOKENS = 20_000;
/** Tool steps copied verbatim into the checkpoint. */
const VERBATIM_TOOL_STEPS = 3;
/** How many times a compaction request refused as too long is fitted again and resent. */
const MAX_REFITS = 4;

interface CompactionDeps {
  client: ModelClient;
  mode: CompactionMode;
  /** The request the history would be sent with now. */
  request: ModelRequest;
  /** Items at the head of history that are the initial context (kept when trimming). */
  initialContextLength: number;
  /** A fresh initial context for the current settings. */
  initialContext(): HistoryItem[];
  /** Estimated tokens the compaction request's input may have, as the window is known now. */
  inputBudget(): number;
  /** The server refused a compaction request of `estimatedTokens` as too long: learn from it. */
  refused(error: ModelError, estimatedTokens: number): void;
  retry: TurnRetryPolicy;
  turnId: string;
  newItemId(): string;
  emit(event: SpoolEvent): void;
}

/** `usage`: what the compaction requests spent (they are requests like any other: charged and capped). */
type CompactionResult =
  | { ok: true; history: HistoryItem[]; mode: CompactionMode; usage: Usage }
  | { ok: false; error: ModelError; mode: CompactionMode; usage: Usage };

/** Estimated tokens of a request: instructions, tools and input. */
function requestTokens(request: ModelRequest): number {
  return estimateTokens(request.instructions) + estimateTokens(request.tools) + estimateTokens(request.input);
}

/** Streams the checkpoint request and returns the model's text, with the usual retries. */
async function writeCheckpoint(
  deps: CompactionDeps,
  request: ModelRequest,
  signal: AbortSignal,
  spent: (usage: Usage) => void,
): Promise<{ text: string } | { error: ModelError }> {
  let failures = 0;
  for (;;) {
    let text = '';
    let error: ModelError | undefined;
    for await (const event of deps.client.stream(request, signal)) {
      if (event.type === 'item_done' && event.item.type === 'message' && event.item.role === 'assistant') {
        text += messageText(event.item);
      } else if (event.type === 'completed') {
        spent(event.usage);
      } else if (event.type === 'failed') {
        error = event.error;
      }
    }
    if (!error) {
      if (text.trim() === '')
        return {
          error: { kind: 'bad_response', message: 'the model wrote an empty checkpoint', retryable: false },
        };
      return { text };
    }
    if (!error.retryable || failures >= deps.retry.streamMaxRetries || signal.aborted) return { error };
    failures++;
    await sleep(
      backoffDelayMs(
        { ...deps.retry, maxRetries: deps.retry.streamMaxRetries },
        failures,
        error.retryAfterMs,
      ),
      signal,
    );
  }
}

type Attempt = { ok: true; history: HistoryItem[] } | { ok: false; error: ModelError };

/** One remote compaction of the fitted input. */
async function compactRemotely(
  deps: CompactionDeps,
  signal: AbortSignal,
  spent: (usage: Usage) => void,
): Promise<Attempt> {
  const fitted = fitCompactionInput(deps.request.input, deps.initialContextLength, deps.inputBudget());
  const request: ModelRequest = { ...deps.request, input: fitted.input };
  const remote = await deps.client.compact!(request, signal);
  if (!remote.ok) {
    if (remote.error.kind === 'context_length_exceeded') deps.refused(remote.error, requestTokens(request));
    return remote;
  }
  spent(remote.usage);
  // The returned state covers what was sent; what was left out to fit stays as the frontier.
  const history = remoteCompactedHistory(deps.initialContext(), remote.items);
  return { ok: true, history: fitted.frontier ? [...history, fitted.frontier] : history };
}

/** One local checkpoint over the fitted input. */
async function compactLocally(
  deps: CompactionDeps,
  signal: AbortSignal,
  spent: (usage: Usage) => void,
): Promise<Attempt> {
  const history = deps.request.input;
  const ask = userText(CHECKPOINT_REQUEST);
  const fitted = fitCompactionInput([...history, ask], deps.initialContextLength, deps.inputBudget());
  const request: ModelRequest = {
    ...deps.request,
    input: fitted.input,
    toolChoice: 'none',
    outputSchema: undefined,
  };
  const written = await writeCheckpoint(deps, request, signal, spent);
  if ('error' in written) {
    if (written.error.kind === 'context_length_exceeded') deps.refused(written.error, requestTokens(request));
    return { ok: false, error: written.error };
  }
  // Files touched, recent prompts and the last steps come from the whole history, not only what fit.
  return {
    ok: true,
    history: compactedHistory(
      deps.initialContext(),
      recentUserPrompts(history, RECENT_PROMPTS_BUDGET_TOKENS),
      checkpointMessage({ summary: written.text, history, lastSteps: VERBATIM_TOOL_STEPS }),
    ),
  };
}

export async function runCompaction(
  deps: CompactionDeps,
  trigger: CompactionTrigger,
  signal: AbortSignal,
): Promise<CompactionResult> {
  const itemId = deps.newItemId();
  const tokensBefore = estimateTokens(deps.request.input);
  const show = (
    status: 'in_progress' | 'completed' | 'failed',
    mode: CompactionMode,
    tokensAfter: number | null,
  ) =>
    deps.emit({
      type: status === 'in_progress' ? 'item.started' : 'item.completed',
      turn_id: deps.turnId,
      item: {
        id: itemId,
        type: 'context_compaction',
        trigger,
        mode,
        status,
        tokens_before: tokensBefore,
        tokens_after: tokensAfter,
      },
    });

  let mode: CompactionMode = deps.mode === 'remote' && deps.client.compact ? 'remote' : 'local';
  let usage = emptyUsage();
  const spent = (more: Usage) => {
    usage = addUsage(usage, more);
  };
  show('in_progress', mode, null);
  for (let refits = 0; ; refits++) {
    const attempt =
      mode === 'remote'
        ? await compactRemotely(deps, signal, spent)
        : await compactLocally(deps, signal, spent);
    if (attempt.ok) {
      show('completed', mode, estimateTokens(attempt.history));
      return { ok: true, history: attempt.history, mode, usage };
    }
    const { error } = attempt;
    // Too long even for the compaction request: the window is smaller than known; fit again.
    if (error.kind === 'context_length_exceeded' && refits < MAX_REFITS && !signal.aborted) continue;
    if (mode === 'remote' && !signal.aborted && error.kind !== 'context_length_exceeded') {
      // A provider without the endpoint (or a broken answer) falls back to the local checkpoint.
      deps.emit({
        type: 'warning',
        message: `remote compaction failed (${error.message}); writing a local checkpoint instead`,
      });
      mode = 'local';
      continue;
    }
    show('failed', mode, null);
    return { ok: false, error, mode, usage };
  }
}
