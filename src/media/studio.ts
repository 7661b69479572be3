/**
 * What the media tools share for one media session: the provider endpoint, the output folder, the
 * journal (bound once the session's id is known), the prices and the budget. Per thread, never
 * module state. The generation steps every tool follows live here: price → budget check → (approval)
 * → journal `submit` (durable) → provider → journal `end` → manifest.
 */
import type { MediaPriceConfig } from '../config/schema.js';
import { formatUsd } from '../model/prices.js';
import type { ThreadItemOf } from '../protocol/events.js';
import type { ModelPrice } from '../protocol/settings.js';
import type { ToolContext } from '../tools/types.js';
import { type MediaEndpoint, MediaHttpError, requestJson } from './http.js';
import type { EndStatus, JournalSubmit, MediaJournal } from './journal.js';
import type { ManifestEntry, OutputFolder } from './outputs.js';
import { type GenerationRequest, mediaPriceOf, type Quote, quote } from './prices.js';

export interface MediaDefaults {
  imageModel: string;
  videoModel: string;
  imageApi: 'chat' | 'images';
  videoTasksPath: string;
  pollIntervalMs: number;
  videoTimeoutMs: number;
}

export interface StudioOptions {
  endpoint: MediaEndpoint;
  out: OutputFolder;
  defaults: MediaDefaults;
  /** USD generations may cost in this session (all its runs); undefined: no cap. */
  budgetUsd: number | undefined;
  mediaPrices?: Readonly<Record<string, MediaPriceConfig>>;
  modelPrices?: Readonly<Record<string, ModelPrice>>;
  /** Told about waits and recoveries (stderr in the CLI). */
  notify?: (message: string) => void;
}

export class MediaStudio {
  private bound: { sessionId: string; journal: MediaJournal } | undefined;

  constructor(readonly options: StudioOptions) {}

  get out(): OutputFolder {
    return this.options.out;
  }

  get endpoint(): MediaEndpoint {
    return this.options.endpoint;
  }

  get defaults(): MediaDefaults {
    return this.options.defaults;
  }

  /** Called once the session exists: from here on, generations are journaled under its id. */
  bind(sessionId: string, journal: MediaJournal): void {
    this.bound = { sessionId, journal };
  }

  get sessionId(): string {
    return this.session().sessionId;
  }

  get journal(): MediaJournal {
    return this.session().journal;
  }

  private session(): { sessionId: string; journal: MediaJournal } {
    if (!this.bound) throw new Error('media studio used before its session was opened');
    return this.bound;
  }

  notify(message: string): void {
    this.options.notify?.(message);
  }

  quote(model: string, request: GenerationRequest): Quote {
    return quote(
      mediaPriceOf(model, {
        ...(this.options.mediaPrices ? { mediaPrices: this.options.mediaPrices } : {}),
        ...(this.options.modelPrices ? { modelPrices: this.options.modelPrices } : {}),
      }),
      request,
    );
  }

  spentUsd(): number {
    return this.bound ? this.bound.journal.spentUsd() : 0;
  }

  /** `$0.06 of the $0.10 budget spent`, or the spend alone without a budget. */
  spendLine(): string {
    const spent = formatUsd(this.spentUsd());
    const budget = this.options.budgetUsd;
    return budget === undefined
      ? `${spent} spent on generations`
      : `${spent} of the ${formatUsd(budget)} budget spent`;
  }

  /** Why a generation at `price` must not be submitted, or undefined when it may. */
  budgetRefusal(model: string, price: Quote): string | undefined {
    const budget = this.options.budgetUsd;
    if (budget === undefined) return undefined;
    if (price.usd === null)
      return (
        `Refused: ${model} has no known price (${price.basis}), so this generation cannot be checked against the ` +
        `${formatUsd(budget)} budget. Nothing was submitted. Use a model with a price, or the user can set ` +
        `[media_prices."${model}"] in config.toml.`
      );
    const spent = this.spentUsd();
    const remaining = budget - spent;
    if (price.usd > remaining + 1e-9)
      return (
        `Refused: over budget. This generation would cost ${formatUsd(price.usd)} (${price.basis}), but only ` +
        `${formatUsd(Math.max(0, remaining))} of the ${formatUsd(budget)} budget remains (${formatUsd(spent)} spent). ` +
        'Nothing was submitted. Finish with what you have, try something cheaper, or tell the user the budget is spent.'
      );
    return undefined;
  }

  /**
   * Asks before spending when the approval policy is `untrusted` (every action is asked about);
   * otherwise the budget is the control. Returns a refusal for the model, or undefined to go on.
   */
  async approve(
    ctx: ToolContext,
    tool: string,
    args: unknown,
    summary: string,
    price: Quote,
    itemId: string,
  ): Promise<string | undefined> {
    if (ctx.approvalPolicy !== 'untrusted' || ctx.bypassSandbox) return undefined;
    const outcome = await ctx.requestApproval({
      kind: 'mcp_tool_call',
      display: `${tool}: ${summary} (${formatUsd(price.usd)}, ${price.basis})`,
      cwd: ctx.cwd,
      reason: `a generation costs ${formatUsd(price.usd)}`,
      policy: ctx.approvalPolicy,
      mcp_tool: { server: 'media', tool, arguments: args },
      item_id: itemId,
    });
    if (outcome.decision === 'approved' || outcome.decision === 'approved_for_session') return undefined;
    if (outcome.decision === 'approved_execpolicy_amendment') return undefined;
    const who = outcome.decidedBy === 'reviewer' ? 'the automatic approval reviewer' : 'the user';
    return `This ${tool} call was not approved (${outcome.reason ?? `declined by ${who}`}); nothing was submitted.`;
  }

  /** Records the submission durably; from here the generation is never sent again. */
  recordSubmit(entry: Omit<JournalSubmit, 'type' | 'at'>): void {
    this.journal.append({ type: 'submit', ...entry });
  }

  /**
   * One paid request, at most once: journaled first (`entry`), then POSTed to `relative` with an
   * idempotency key made of the session and the call. When no answer comes the generation is
   * recorded as ended — `unknown` and charged when the provider may have made it, `rejected` and
   * free when it said no — and `failure` says so to the model; it is never sent again.
   */
  async submitOnce(
    ctx: ToolContext,
    entry: Omit<JournalSubmit, 'type' | 'at' | 'call_id'>,
    request: { relative: string; body: unknown; what: string },
    failure: (error: MediaHttpError) => string,
  ): Promise<{ answer: unknown } | { failure: string }> {
    this.recordSubmit({ call_id: ctx.callId, ...entry });
    try {
      const answer = await requestJson(this.endpoint, 'POST', request.relative, request.body, {
        signal: ctx.signal,
        idempotencyKey: `${this.sessionId}:${ctx.callId}`,
        onRetry: (ms, status) => this.notify(`media: HTTP ${status} ${request.what}; retrying in ${ms} ms`),
      });
      return { answer };
    } catch (err) {
      if (!(err instanceof MediaHttpError)) throw err;
      const unknown = err.outcomeUnknown;
      this.recordEnd(
        ctx.callId,
        unknown ? 'unknown' : 'rejected',
        unknown ? entry.cost_usd : 0,
        [],
        err.message,
      );
      return { failure: failure(err) };
    }
  }

  recordAccepted(callId: string, taskId: string): void {
    this.journal.append({ type: 'accepted', call_id: callId, task_id: taskId });
  }

  recordEnd(
    callId: string,
    status: EndStatus,
    costUsd: number | null,
    files: string[],
    error?: string,
  ): void {
    this.journal.append({
      type: 'end',
      call_id: callId,
      status,
      cost_usd: costUsd,
      files,
      ...(error !== undefined ? { error } : {}),
    });
  }

  addToManifest(entries: ManifestEntry[]): void {
    if (entries.length === 0) return;
    this.out.updateManifest((manifest) => manifest.assets.push(...entries));
  }
}

/** The `mcp_tool_call` display item a media tool shows while it runs (server `media`). */
export function mediaItem(id: string, tool: string, args: unknown): ThreadItemOf<'mcp_tool_call'> {
  return {
    id,
    type: 'mcp_tool_call',
    server: 'media',
    tool,
    arguments: args,
    result: null,
    error: null,
    status: 'in_progress',
  };
}

export function completedItem(
  item: ThreadItemOf<'mcp_tool_call'>,
  text: string,
  structured: unknown,
): ThreadItemOf<'mcp_tool_call'> {
  return {
    ...item,
    result: { content: [{ type: 'text', text }], structured_content: structured },
    status: 'completed',
  };
}

export function failedItem(
  item: ThreadItemOf<'mcp_tool_call'>,
  message: string,
): ThreadItemOf<'mcp_tool_call'> {
  return { ...item, error: { message }, status: 'failed' };
}
