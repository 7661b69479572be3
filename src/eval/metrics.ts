/**
 * The overall numbers of an incident run (pure): catch rate with a Wilson 95 % interval, precision
 * of the findings, tokens, cost and cost per catch.
 */

export interface CaseNumbers {
  status: 'caught' | 'missed' | 'failed';
  findings: number;
  truePositives: number;
  falsePositives: number;
  tokens: { input: number; cached_input: number; output: number };
  /** null when a price was unknown. */
  costUsd: number | null;
}

export interface Overall {
  cases: number;
  /** Cases that ran to a result (caught or missed). */
  evaluated: number;
  failed: number;
  caught: number;
  /** caught / evaluated (null with nothing evaluated). */
  catch_rate: number | null;
  /** Wilson score interval, 95 %. */
  catch_rate_ci95: [number, number] | null;
  findings: number;
  true_positives: number;
  false_positives: number;
  /** true positives / findings (null without findings). */
  precision: number | null;
  tokens: { input: number; cached_input: number; output: number };
  /** null when some cost was unknown. */
  cost_usd: number | null;
  cost_per_catch_usd: number | null;
}

const Z95 = 1.959963984540054;

/** Wilson score interval for `successes` out of `n` (95 %). */
export function wilson(successes: number, n: number, z = Z95): [number, number] | null {
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

export function overall(cases: readonly CaseNumbers[]): Overall {
  const evaluated = cases.filter((c) => c.status !== 'failed');
  const caught = cases.filter((c) => c.status === 'caught').length;
  const findings = evaluated.reduce((n, c) => n + c.findings, 0);
  const truePositives = evaluated.reduce((n, c) => n + c.truePositives, 0);
  const tokens = { input: 0, cached_input: 0, output: 0 };
  let cost: number | null = 0;
  for (const c of cases) {
    tokens.input += c.tokens.input;
    tokens.cached_input += c.tokens.cached_input;
    tokens.output += c.tokens.output;
    cost = cost === null || c.costUsd === null ? null : cost + c.costUsd;
  }
  return {
    cases: cases.length,
    evaluated: evaluated.length,
    failed: cases.length - evaluated.length,
    caught,
    catch_rate: evaluated.length ? caught / evaluated.length : null,
    catch_rate_ci95: wilson(caught, evaluated.length),
    findings,
    true_positives: truePositives,
    false_positives: findings - truePositives,
    precision: findings ? truePositives / findings : null,
    tokens,
    cost_usd: cost,
    cost_per_catch_usd: cost !== null && caught > 0 ? cost / caught : null,
  };
}
