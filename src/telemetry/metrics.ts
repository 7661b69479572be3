/** Spool's metric instruments: tokens, cost, cache hits, requests, retries, tools, turns, approvals. */
import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import type { Usage } from '../protocol/usage.js';

export class SpoolMetrics {
  private readonly tokens: Counter;
  private readonly cost: Counter;
  private readonly cacheHitRatio: Histogram;
  private readonly requests: Counter;
  private readonly retries: Counter;
  private readonly toolCalls: Counter;
  private readonly toolFailures: Counter;
  private readonly toolDuration: Histogram;
  private readonly turnDuration: Histogram;
  private readonly approvals: Counter;

  constructor(meter: Meter) {
    this.tokens = meter.createCounter('spool.tokens', {
      description: 'Tokens by type (input, cached_input, output)',
      unit: '{token}',
    });
    this.cost = meter.createCounter('spool.cost', {
      description: 'Cost of priced model requests',
      unit: 'USD',
    });
    this.cacheHitRatio = meter.createHistogram('spool.cache_hit_ratio', {
      description: 'Share of a request’s input served from the prompt cache',
      unit: '1',
      advice: { explicitBucketBoundaries: [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1] },
    });
    this.requests = meter.createCounter('spool.requests', {
      description: 'Model requests by outcome',
      unit: '{request}',
    });
    this.retries = meter.createCounter('spool.retries', {
      description: 'Retried model requests by cause',
      unit: '{retry}',
    });
    this.toolCalls = meter.createCounter('spool.tool_calls', {
      description: 'Tool calls by tool',
      unit: '{call}',
    });
    this.toolFailures = meter.createCounter('spool.tool_failures', {
      description: 'Failed tool calls by tool',
      unit: '{call}',
    });
    this.toolDuration = meter.createHistogram('spool.tool.duration', {
      description: 'Tool call duration',
      unit: 's',
    });
    this.turnDuration = meter.createHistogram('spool.turn.duration', {
      description: 'Turn duration by outcome',
      unit: 's',
    });
    this.approvals = meter.createCounter('spool.approvals', {
      description: 'Approval decisions',
      unit: '{decision}',
    });
  }

  request(model: string, status: 'ok' | 'error', usage: Usage | undefined, usd: number | null): void {
    this.requests.add(1, { 'spool.model': model, 'spool.request.status': status });
    if (!usage) return;
    const attrs = { 'spool.model': model };
    this.tokens.add(usage.input_tokens - usage.cached_input_tokens, {
      ...attrs,
      'spool.token.type': 'input',
    });
    this.tokens.add(usage.cached_input_tokens, { ...attrs, 'spool.token.type': 'cached_input' });
    this.tokens.add(usage.output_tokens, { ...attrs, 'spool.token.type': 'output' });
    if (usd !== null) this.cost.add(usd, attrs);
    if (usage.input_tokens > 0)
      this.cacheHitRatio.record(usage.cached_input_tokens / usage.input_tokens, attrs);
  }

  retry(kind: string): void {
    this.retries.add(1, { 'spool.error.kind': kind });
  }

  toolCall(tool: string, failed: boolean, durationMs: number): void {
    this.toolCalls.add(1, { 'spool.tool.name': tool });
    if (failed) this.toolFailures.add(1, { 'spool.tool.name': tool });
    this.toolDuration.record(durationMs / 1000, { 'spool.tool.name': tool });
  }

  turn(status: string, seconds: number): void {
    this.turnDuration.record(seconds, { 'spool.turn.status': status });
  }

  approval(decision: string): void {
    this.approvals.add(1, { 'spool.approval.decision': decision });
  }
}
