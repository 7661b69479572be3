/** The bottom line: model, sandbox and approval mode, tokens used, cost, cache hits and context left. */
import { formatUsd } from '../../model/prices.js';
import { paint } from '../terminal/ansi.js';
import { truncateLine } from '../terminal/width.js';
import type { V2TokenUsage } from './v2.js';

export interface StatusInfo {
  model: string;
  effort?: string | null;
  sandbox: string;
  approvals: string;
  usage?: V2TokenUsage;
}

export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Percent of the input tokens served from the prompt cache, over the whole session. */
export function cacheHitPercent(usage: V2TokenUsage): number | undefined {
  const input = usage.total.inputTokens;
  return input > 0 ? Math.round((usage.total.cachedInputTokens / input) * 100) : undefined;
}

/** Percent of the context window the last request left free. */
export function contextLeftPercent(usage: V2TokenUsage): number | undefined {
  const window = usage.modelContextWindow;
  if (!window) return undefined;
  const used = usage.last.inputTokens + usage.last.outputTokens;
  return Math.max(0, Math.min(100, Math.round(((window - used) / window) * 100)));
}

/**
 * The status line. When it does not fit, the least needed parts go first (cost, reasoning effort, cache
 * hits, tokens, sandbox, approvals), then it is cut.
 */
export function statusLine(info: StatusInfo, width: number): string {
  const usage = info.usage;
  const cache = usage ? cacheHitPercent(usage) : undefined;
  const left = usage ? contextLeftPercent(usage) : undefined;
  const parts = {
    effort: info.effort ?? '',
    sandbox: info.sandbox,
    approvals: `ask ${info.approvals}`,
    tokens: `${compactCount(usage?.total.totalTokens ?? 0)} tokens`,
    cost: usage?.cost ? formatUsd(usage.cost.total.usd) : '',
    cache: cache === undefined ? '' : `${cache}% cached`,
    left: left === undefined ? '' : `${left}% context left`,
  };
  const dropOrder = ['cost', 'effort', 'cache', 'tokens', 'sandbox', 'approvals'] as const;
  const render = () => {
    const model = parts.effort ? `${info.model} ${parts.effort}` : info.model;
    return ` ${[model, parts.sandbox, parts.approvals, parts.tokens, parts.cache, parts.left, parts.cost].filter(Boolean).join(' · ')}`;
  };
  for (const part of dropOrder) {
    if (render().length <= width) break;
    parts[part] = '';
  }
  return truncateLine(paint(render(), { dim: true }), width, true);
}
