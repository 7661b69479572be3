/**
 * The prompt tokens of a thread's next request. Spool's estimate (instructions, tools and history)
 * is kept up to date as items are committed, so asking is cheap on every step of a long turn, and is
 * calibrated by what the provider counted for the last request sent.
 */

import { estimateTokens } from '../context/tokens.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ToolRegistry } from '../tools/registry.js';

export class PromptTokens {
  private history: number;
  /** Instructions and tools: re-estimated only when either changes. */
  private fixed: { instructions: string; registry: ToolRegistry; tokens: number } | undefined;
  /** Provider tokens per estimated token, from the last request counted (within 0.25–4). */
  private calibration = 1;
  private sent = 0;

  constructor(history: readonly HistoryItem[]) {
    this.history = estimateTokens(history);
  }

  /** The history was replaced (compaction). */
  replaced(history: readonly HistoryItem[]): void {
    this.history = estimateTokens(history);
  }

  /** Items were appended to the history. */
  appended(items: readonly HistoryItem[]): void {
    for (const item of items) this.history += estimateTokens(item);
  }

  /** Estimated tokens of the next request. */
  estimate(instructions: string, registry: ToolRegistry): number {
    if (this.fixed?.instructions !== instructions || this.fixed.registry !== registry) {
      this.fixed = {
        instructions,
        registry,
        tokens: estimateTokens(instructions) + estimateTokens(registry.specs),
      };
    }
    return this.fixed.tokens + this.history;
  }

  /** Estimated tokens of the instructions and tools alone (what compaction cannot shrink). */
  fixedPart(instructions: string, registry: ToolRegistry): number {
    return this.estimate(instructions, registry) - this.history;
  }

  /** `estimated` tokens as the provider counts them. */
  calibrated(estimated: number): number {
    return Math.round(estimated * this.calibration);
  }

  /** Provider tokens as Spool estimates them (the inverse of `calibrated`, unrounded). */
  uncalibrated(tokens: number): number {
    return tokens / this.calibration;
  }

  /** A request estimated at `estimated` tokens is being sent. */
  sending(estimated: number): void {
    this.sent = estimated;
  }

  /** The estimate of the last request sent. */
  get lastSent(): number {
    return this.sent;
  }

  /** The provider counted `inputTokens` for the last request sent. */
  counted(inputTokens: number): void {
    if (inputTokens > 0 && this.sent > 0)
      this.calibration = Math.min(4, Math.max(0.25, inputTokens / this.sent));
  }
}
