/**
 * Tokens a model used and what they cost: the figures every turn, thread and session adds up. Apart
 * from the event stream's schemas (events.ts), so that what only counts tokens (the loop, the wire
 * clients, the rollout writer) does not build every event's schema when it starts.
 */
import { z } from 'zod';

export const Usage = z.object({
  input_tokens: z.number().int().nonnegative(),
  cached_input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  reasoning_output_tokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export function emptyUsage(): Usage {
  return { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    reasoning_output_tokens: a.reasoning_output_tokens + b.reasoning_output_tokens,
  };
}

/**
 * What tokens cost, in USD, from the model's price (model/prices.ts). `null` means the price is
 * unknown: never shown or summed as zero. Cached and uncached input are apart (cached input is cheaper).
 */
export const Cost = z.object({
  usd: z.number().nullable(),
  uncached_input_usd: z.number().nullable(),
  cached_input_usd: z.number().nullable(),
  output_usd: z.number().nullable(),
});
export type Cost = z.infer<typeof Cost>;

export function zeroCost(): Cost {
  return { usd: 0, uncached_input_usd: 0, cached_input_usd: 0, output_usd: 0 };
}

/** A sum with an unknown part is unknown. */
export function addCost(a: Cost, b: Cost): Cost {
  const add = (x: number | null, y: number | null) => (x === null || y === null ? null : x + y);
  return {
    usd: add(a.usd, b.usd),
    uncached_input_usd: add(a.uncached_input_usd, b.uncached_input_usd),
    cached_input_usd: add(a.cached_input_usd, b.cached_input_usd),
    output_usd: add(a.output_usd, b.output_usd),
  };
}
