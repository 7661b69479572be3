/**
 * Traces and metrics of one thread, from its event stream: a span per turn, and under it a span per
 * model request (model, provider, tokens in/cached/out, cost, time to first token, retries, HTTP
 * status, error kind) and per tool call (tool, duration, exit code, sandbox mode, approval
 * decision, truncated). No prompt or output text is recorded, except the user's prompt when
 * `log_user_prompt` is set. Loaded only when `[otel]` exports something.
 */
import { type Context, context, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { SpoolEvent, ThreadItem } from '../protocol/events.js';
import type { SpoolMetrics } from './metrics.js';

export interface ObservedThread {
  id: string;
  subscribe(listener: (event: SpoolEvent) => void): () => void;
}

export interface ThreadInfo {
  provider: string;
  model: () => string;
  sandboxMode: () => string;
  approvalPolicy: () => string;
  /**
   * Where a sub-agent's turns nest: its parent's current turn, asked when each of its turns starts
   * (undefined: a trace of its own, as when the parent's turn has ended).
   */
  parent?: () => Context | undefined;
}

interface OpenRequest {
  span: Span;
  startedAt: number;
  firstTokenAt?: number;
  attempt: number;
}

interface OpenTool {
  span: Span;
  tool: string;
  startedAt: number;
}

/** Which tool a display item stands for (the name the model called, as far as the item says). */
function toolOf(item: ThreadItem): string | undefined {
  switch (item.type) {
    case 'command_execution':
      return 'shell';
    case 'file_change':
      return 'apply_patch';
    case 'mcp_tool_call':
      return `mcp__${item.server}__${item.tool}`;
    default:
      return undefined;
  }
}

/** Markers the shell tools put in output they shortened (tools/shell/format.ts). */
const TRUNCATION = /… \d[\d,]* (more lines|lines omitted|characters omitted)|\[output truncated/;

export class ThreadObserver {
  private turn: { span: Span; context: Context; startedAt: number; retries: number } | undefined;
  private request: OpenRequest | undefined;
  private readonly tools = new Map<string, OpenTool>();
  /** Approval decisions by the item they were asked for. */
  private readonly decisions = new Map<string, string>();
  private pendingPrompt: string | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly thread: ObservedThread,
    private readonly info: ThreadInfo,
    private readonly tracer: Tracer,
    private readonly metrics: SpoolMetrics,
    private readonly logUserPrompt: boolean,
  ) {
    this.unsubscribe = thread.subscribe((event) => this.on(event));
  }

  /** The running turn's span context (what a sub-agent's turns nest under), if a turn runs. */
  get turnContext(): Context | undefined {
    return this.turn?.context;
  }

  /** The prompt of the next turn (exported only with `log_user_prompt`). */
  prompt(text: string): void {
    this.pendingPrompt = text;
  }

  close(): void {
    this.unsubscribe();
    this.endTurn('interrupted');
  }

  private baseAttributes() {
    return { 'spool.model': this.info.model(), 'spool.provider': this.info.provider };
  }

  private on(event: SpoolEvent): void {
    const now = Date.now();
    switch (event.type) {
      case 'turn.started': {
        const parent = this.info.parent?.() ?? context.active();
        const span = this.tracer.startSpan(
          'spool.turn',
          {
            attributes: {
              'spool.thread.id': this.thread.id,
              'spool.turn.id': event.turn_id,
              ...this.baseAttributes(),
              'spool.sandbox.mode': this.info.sandboxMode(),
              'spool.approval.policy': this.info.approvalPolicy(),
              ...(this.logUserPrompt && this.pendingPrompt !== undefined
                ? { 'spool.user_prompt': this.pendingPrompt }
                : {}),
            },
          },
          parent,
        );
        this.pendingPrompt = undefined;
        this.turn = {
          span,
          context: trace.setSpan(parent, span),
          startedAt: now,
          retries: 0,
        };
        break;
      }
      case 'request.started': {
        if (!this.turn) break;
        this.endRequest(undefined);
        const span = this.tracer.startSpan(
          'spool.model_request',
          { attributes: { ...this.baseAttributes(), 'spool.request.attempt': event.attempt } },
          this.turn.context,
        );
        this.request = { span, startedAt: now, attempt: event.attempt };
        break;
      }
      case 'request.first_output':
        if (this.request && this.request.firstTokenAt === undefined) this.request.firstTokenAt = now;
        break;
      case 'usage.updated': {
        const request = this.request;
        const model = this.info.model();
        const u = event.last;
        this.metrics.request(model, 'ok', u, event.cost?.last.usd ?? null);
        if (!request) break;
        request.span.setAttributes({
          'spool.tokens.input': u.input_tokens,
          'spool.tokens.cached_input': u.cached_input_tokens,
          'spool.tokens.output': u.output_tokens,
          'spool.tokens.reasoning_output': u.reasoning_output_tokens,
          'spool.request.retries': request.attempt,
          ...(event.cost?.last.usd != null ? { 'spool.cost_usd': event.cost.last.usd } : {}),
          ...(request.firstTokenAt !== undefined
            ? { 'spool.time_to_first_token_ms': request.firstTokenAt - request.startedAt }
            : {}),
        });
        this.endRequest(undefined);
        break;
      }
      case 'stream.retrying':
        if (this.turn) this.turn.retries++;
        this.metrics.retry(event.kind ?? 'unknown');
        this.metrics.request(this.info.model(), 'error', undefined, null);
        this.endRequest({ kind: event.kind ?? 'unknown', status: event.status, message: event.message });
        break;
      case 'item.started': {
        const tool = toolOf(event.item);
        if (!tool || !this.turn) break;
        const span = this.tracer.startSpan(
          'spool.tool_call',
          {
            attributes: { 'spool.tool.name': tool, 'spool.sandbox.mode': this.info.sandboxMode() },
          },
          this.turn.context,
        );
        this.tools.set(event.item.id, { span, tool, startedAt: now });
        break;
      }
      case 'approval.resolved':
        this.metrics.approval(event.decision);
        break;
      case 'approval.requested':
        if (event.request.item_id) this.decisions.set(event.request.id, event.request.item_id);
        break;
      case 'item.completed':
        this.endTool(event.item, now);
        break;
      case 'turn.completed':
        this.endTurn('completed');
        break;
      case 'turn.failed':
        this.endRequest({
          kind: event.error.kind ?? 'unknown',
          status: event.error.status,
          message: event.error.message,
        });
        this.endTurn('failed', event.error.kind);
        break;
      case 'turn.interrupted':
        this.endTurn('interrupted');
        break;
      default:
        break;
    }
    // An approval's decision belongs to the tool call it was asked for.
    if (event.type === 'approval.resolved') {
      const itemId = this.decisions.get(event.id);
      const open = itemId ? this.tools.get(itemId) : undefined;
      open?.span.setAttribute('spool.approval.decision', event.decision);
    }
  }

  private endRequest(error: { kind: string; status?: number; message: string } | undefined): void {
    const request = this.request;
    if (!request) return;
    this.request = undefined;
    if (error) {
      request.span.setAttributes({
        'spool.error.kind': error.kind,
        ...(error.status !== undefined ? { 'http.response.status_code': error.status } : {}),
      });
      request.span.setStatus({ code: SpanStatusCode.ERROR, message: error.kind });
    } else {
      request.span.setAttribute('http.response.status_code', 200);
    }
    request.span.end();
  }

  private endTool(item: ThreadItem, now: number): void {
    const open = this.tools.get(item.id);
    if (!open) return;
    this.tools.delete(item.id);
    const failed =
      (item.type === 'command_execution' && (item.status !== 'completed' || item.exit_code !== 0)) ||
      ((item.type === 'file_change' || item.type === 'mcp_tool_call') && item.status === 'failed');
    const durationMs =
      item.type === 'command_execution' && item.duration_ms !== undefined
        ? item.duration_ms
        : now - open.startedAt;
    open.span.setAttributes({
      'spool.tool.duration_ms': durationMs,
      'spool.tool.status': failed ? 'failed' : 'ok',
      ...(item.type === 'command_execution'
        ? {
            ...(item.exit_code !== null ? { 'process.exit.code': item.exit_code } : {}),
            'spool.tool.truncated': TRUNCATION.test(item.aggregated_output),
            ...(item.status === 'declined' ? { 'spool.approval.decision': 'denied' } : {}),
          }
        : {}),
    });
    if (failed) open.span.setStatus({ code: SpanStatusCode.ERROR });
    open.span.end();
    this.metrics.toolCall(open.tool, failed, durationMs);
  }

  private endTurn(status: 'completed' | 'failed' | 'interrupted', errorKind?: string): void {
    this.endRequest(status === 'interrupted' ? { kind: 'aborted', message: 'interrupted' } : undefined);
    for (const open of this.tools.values()) open.span.end();
    this.tools.clear();
    const turn = this.turn;
    if (!turn) return;
    this.turn = undefined;
    turn.span.setAttributes({
      'spool.turn.status': status,
      'spool.turn.retries': turn.retries,
      ...(errorKind ? { 'spool.error.kind': errorKind } : {}),
    });
    if (status === 'failed')
      turn.span.setStatus({ code: SpanStatusCode.ERROR, message: errorKind ?? 'failed' });
    turn.span.end();
    this.metrics.turn(status, (Date.now() - turn.startedAt) / 1000);
  }
}
