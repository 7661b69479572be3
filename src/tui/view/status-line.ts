/** The bottom line: model, sandbox and approval mode, tokens used, cache hits and context left. */
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

export function statusLine(info: StatusInfo, width: number): string {
  const parts = [
    info.effort ? `${info.model} ${info.effort}` : info.model,
    info.sandbox,
    `ask ${info.approvals}`,
  ];
  const usage = info.usage;
  if (usage) {
    parts.push(`${compactCount(usage.total.totalTokens)} tokens`);
    const cache = cacheHitPercent(usage);
    if (cache !== undefined) parts.push(`${cache}% cached`);
    const left = contextLeftPercent(usage);
    if (left !== undefined) parts.push(`${left}% context left`);
  } else {
    parts.push('0 tokens');
  }
  return truncateLine(paint(` ${parts.join(' · ')}`, { dim: true }), width, true);
}
