/**
 * What a generation costs before it is submitted. Prices are data: the catalog's `media_prices`
 * (src/model/models.json), replaced per model by `[media_prices.<model>]` in config.toml; a
 * `[model_prices.<model>]` entry with `per_generation` / `per_second` (the cost module's table)
 * serves too. Looked up by exact name; no price → the cost is unknown (null), never zero.
 */
import type { MediaPriceConfig } from '../config/schema.js';
import catalog from '../model/models.json' with { type: 'json' };
import type { ModelPrice } from '../protocol/settings.js';

export interface MediaPrice {
  perImage?: number;
  perGeneration?: number;
  perSecond?: number;
  /** Resolution or size label (`720p`, `2K`, `1024x1024`) → price multiplier. */
  resolutionMultipliers: Record<string, number>;
}

const CATALOG: Readonly<Record<string, MediaPriceConfig>> = catalog.media_prices;

function fromConfig(entry: MediaPriceConfig): MediaPrice {
  return {
    ...(entry.per_image !== undefined ? { perImage: entry.per_image } : {}),
    ...(entry.per_generation !== undefined ? { perGeneration: entry.per_generation } : {}),
    ...(entry.per_second !== undefined ? { perSecond: entry.per_second } : {}),
    resolutionMultipliers: { ...entry.resolution_multipliers },
  };
}

export interface MediaPriceTables {
  /** `[media_prices.<model>]`. */
  mediaPrices?: Readonly<Record<string, MediaPriceConfig>>;
  /** `[model_prices.<model>]`, as the cost module resolved them. */
  modelPrices?: Readonly<Record<string, ModelPrice>>;
}

/** The price of `model`: config's media price, then a model price with a media part, then the catalog. */
export function mediaPriceOf(model: string, tables: MediaPriceTables = {}): MediaPrice | undefined {
  const configured = tables.mediaPrices?.[model];
  if (configured && Object.hasOwn(tables.mediaPrices ?? {}, model)) return fromConfig(configured);
  const tokenPrice =
    tables.modelPrices && Object.hasOwn(tables.modelPrices, model) ? tables.modelPrices[model] : undefined;
  if (tokenPrice && (tokenPrice.perGeneration !== undefined || tokenPrice.perSecond !== undefined))
    return {
      ...(tokenPrice.perGeneration !== undefined ? { perGeneration: tokenPrice.perGeneration } : {}),
      ...(tokenPrice.perSecond !== undefined ? { perSecond: tokenPrice.perSecond } : {}),
      resolutionMultipliers: {},
    };
  return Object.hasOwn(CATALOG, model) ? fromConfig(CATALOG[model]!) : undefined;
}

/** What is about to be generated, for pricing. */
export type GenerationRequest =
  | { kind: 'image'; count: number; resolution?: string }
  | { kind: 'video'; durationSeconds: number; resolution?: string };

export interface Quote {
  /** USD, or null when the model has no price for this kind of generation. */
  usd: number | null;
  /** How the price was made, for the model and the manifest (`2 × $0.03 per image`). */
  basis: string;
}

const money = (usd: number) => `$${Number(usd.toFixed(6))}`;

/** The price of `request` at `price` (pure). */
export function quote(price: MediaPrice | undefined, request: GenerationRequest): Quote {
  if (!price) return { usd: null, basis: 'no known price' };
  const label = request.resolution?.trim();
  const multiplier = label
    ? (price.resolutionMultipliers[label] ?? price.resolutionMultipliers[label.toLowerCase()] ?? 1)
    : 1;
  const scaled = multiplier === 1 ? '' : ` × ${multiplier} (${label})`;
  if (request.kind === 'image') {
    const each = price.perImage ?? price.perGeneration;
    if (each === undefined) return { usd: null, basis: 'no per-image price' };
    return {
      usd: each * request.count * multiplier,
      basis: `${request.count} × ${money(each)} per image${scaled}`,
    };
  }
  if (price.perSecond !== undefined)
    return {
      usd: price.perSecond * request.durationSeconds * multiplier,
      basis: `${request.durationSeconds} s × ${money(price.perSecond)} per second${scaled}`,
    };
  if (price.perGeneration !== undefined)
    return {
      usd: price.perGeneration * multiplier,
      basis: `${money(price.perGeneration)} per generation${scaled}`,
    };
  return { usd: null, basis: 'no per-generation or per-second price' };
}
