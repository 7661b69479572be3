/**
 * Compaction: replacing a history that fills the context window with a compact one.
 *
 * Remote (the provider's `/responses/compact`, which keeps the model's latent state in an opaque
 * `compaction` item) where the client has it; otherwise local: the model writes a structured
 * checkpoint. The checkpoint request is the normal request with one message appended — same
 * instructions, same tools — so it reuses the cached prefix (Codex's local compaction sends no tools
 * and pays for the whole history uncached).
 */
import {
  CHECKPOINT_REQUEST,
  checkpointMessage,
  compactedHistory,
  recentUserPrompts,
  remoteCompactedHistory,
  trimToFit,
} from '../context/checkpoint.js';
import { estimateTokens } from '../context/tokens.js';
import { backoffDelayMs, sleep } from '../model/retry.js';
import type { ModelClient, ModelError, ModelRequest } from '../model/types.js';
import type { SpoolEvent } from '../protocol/events.js';
import { type HistoryItem, messageText, userText } from '../protocol/items.js';
import type { TurnRetryPolicy } from '../protocol/settings.js';

export type CompactionTrigger = 'auto' | 'manual' | 'overflow';
export type CompactionMode = 'remote' | 'local';

/** Recent user prompts kept word for word in a local compaction. */
export const RECENT_PROMPTS_BUDGET_TOKENS = 20_000;
/** Tool steps copied verbatim into the checkpoint. */
export const VERBATIM_TOOL_STEPS = 3;

export interface CompactionDeps {
  client: ModelClient;
  mode: CompactionMode;
  /** The request the history would be sent with now. */
  request: ModelRequest;
  /** Items at the head of history that are the initial context (kept when trimming). */
  initialContextLength: number;
  /** A fresh initial context for the current settings. */
  initialContext(): HistoryItem[];
  contextWindow: number;
  retry: TurnRetryPolicy;
  turnId: string;
  newItemId(): string;
  emit(event: SpoolEvent): void;
}

export type CompactionResult =
  | { ok: true; history: HistoryItem[]; mode: CompactionMode }
  | { ok: false; error: ModelError; mode: CompactionMode };

/** Streams the checkpoint request and returns the model's text, with the usual retries. */
async function writeCheckpoint(
  deps: CompactionDeps,
  signal: AbortSignal,
): Promise<{ text: string } | { error: ModelError }> {
  const history = deps.request.input;
  const ask = userText(CHECKPOINT_REQUEST);
  // The checkpoint request must itself fit: when the history is already over the window (the
  // server refused it), the oldest steps are left out of this one request.
  const budget =
    Math.floor(deps.contextWindow * 0.95) -
    estimateTokens(deps.request.instructions) -
    estimateTokens(deps.request.tools);
  const input = trimToFit([...history, ask], deps.initialContextLength, budget);
  const request: ModelRequest = { ...deps.request, input, toolChoice: 'none', outputSchema: undefined };
  let failures = 0;
  for (;;) {
    let text = '';
    let error: ModelError | undefined;
    for await (const event of deps.client.stream(request, signal)) {
      if (event.type === 'item_done' && event.item.type === 'message' && event.item.role === 'assistant') {
        text += messageText(event.item);
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

  let mode = deps.mode;
  show('in_progress', mode, null);
  if (mode === 'remote' && deps.client.compact) {
    const remote = await deps.client.compact(deps.request, signal);
    if (remote.ok) {
      const history = remoteCompactedHistory(deps.initialContext(), remote.items);
      show('completed', mode, estimateTokens(history));
      return { ok: true, history, mode };
    }
    // A provider without the endpoint (or a broken answer) falls back to the local checkpoint.
    if (signal.aborted) {
      show('failed', mode, null);
      return { ok: false, error: remote.error, mode };
    }
    deps.emit({
      type: 'warning',
      message: `remote compaction failed (${remote.error.message}); writing a local checkpoint instead`,
    });
    mode = 'local';
  }
  mode = 'local';
  const written = await writeCheckpoint(deps, signal);
  if ('error' in written) {
    show('failed', mode, null);
    return { ok: false, error: written.error, mode };
  }
  const history = compactedHistory(
    deps.initialContext(),
    recentUserPrompts(deps.request.input, RECENT_PROMPTS_BUDGET_TOKENS),
    checkpointMessage({ summary: written.text, history: deps.request.input, lastSteps: VERBATIM_TOOL_STEPS }),
  );
  show('completed', mode, estimateTokens(history));
  return { ok: true, history, mode };
}
