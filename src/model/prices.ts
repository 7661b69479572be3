/**
 * What a model's tokens cost: prices are data (models.json `prices`, replaced or extended by
 * `[model_prices.<model>]` in config.toml), looked up by exact name so a price is never guessed from
 * a neighbour's (gpt-5 is not gpt-5-mini). A dated snapshot (`gpt-4o-2024-08-06`) takes its base
 * name's price. No price → every cost is `null` (unknown), never zero.
 */

import type { ModelPrice } from '../protocol/settings.js';
import { type Cost, emptyUsage, type Usage } from '../protocol/usage.js';
import catalog from './models.json' with { type: 'json' };

interface PriceEntry {
  input: number;
  cached_input: number;
  output: number;
  per_generation?: number;
  per_second?: number;
}

const CATALOG_PRICES: Readonly<Record<string, PriceEntry>> = catalog.prices;

/** `-2024-08-06`: a dated snapshot of a model. */
const SNAPSHOT_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

function fromEntry(entry: PriceEntry): ModelPrice {
  return {
    input: entry.input,
    cachedInput: entry.cached_input,
    output: entry.output,
    ...(entry.per_generation !== undefined ? { perGeneration: entry.per_generation } : {}),
    ...(entry.per_second !== undefined ? { perSecond: entry.per_second } : {}),
  };
}

/** The price of `model`: an override first, then the catalog; undefined when unknown. */
export function priceOf(
  model: string,
  overrides: Readonly<Record<string, ModelPrice>> = {},
): ModelPrice | undefined {
  const names = [model, model.toLowerCase()];
  const base = model.replace(SNAPSHOT_SUFFIX, '');
  if (base !== model) names.push(base, base.toLowerCase());
  for (const name of names) {
    if (Object.hasOwn(overrides, name)) return overrides[name];
  }
  for (const name of names) {
    if (Object.hasOwn(CATALOG_PRICES, name)) return fromEntry(CATALOG_PRICES[name]!);
  }
  return undefined;
}

const PER_MILLION = 1_000_000;

/** The cost of `usage` at `price` (all null when the price is unknown). */
export function costOf(usage: Usage, price: ModelPrice | undefined): Cost {
  if (!price) return { usd: null, uncached_input_usd: null, cached_input_usd: null, output_usd: null };
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const uncached = (usage.input_tokens - cached) * (price.input / PER_MILLION);
  const cachedUsd = cached * (price.cachedInput / PER_MILLION);
  const output = usage.output_tokens * (price.output / PER_MILLION);
  return {
    usd: uncached + cachedUsd + output,
    uncached_input_usd: uncached,
    cached_input_usd: cachedUsd,
    output_usd: output,
  };
}

/** The estimated cost of sending `inputTokens`, of which `cachedTokens` are expected from the cache. */
export function inputCostOf(
  inputTokens: number,
  cachedTokens: number,
  price: ModelPrice | undefined,
): number | null {
  return costOf({ ...emptyUsage(), input_tokens: inputTokens, cached_input_tokens: cachedTokens }, price).usd;
}

/** `$0.0123`, or `unknown` when the price is. Small amounts keep significant digits. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return 'unknown';
  if (usd === 0) return '$0.00';
  if (usd < 0.0001) return '<$0.0001';
  if (usd < 1) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
