/**
 * Spend caps (`max_cost_usd`, `max_tokens`, per turn and per session) and what each request costs.
 *
 * A `SessionBudget` holds a session's spend and its caps. It is an object passed down, not
 * per-thread state: a thread that works for another (a sub-agent, the guardian) is given its root's
 * budget (`ThreadOptions.budget`), so its requests count against the root's caps and the root's
 * next check sees them. Before every model request the loop asks `TurnSpend.check()`: the spend so
 * far plus the request's estimated input (tokens, and their cost at the model's price) must stay
 * within every cap, else the turn stops there — before anything is sent, so history stays whole and
 * a resume with a raised cap simply continues.
 */
import { costOf, formatUsd, inputCostOf, priceOf } from '../model/prices.js';
import type { BudgetCaps, ThreadSettings } from '../protocol/settings.js';
import { addCost, type Cost, type Usage, zeroCost } from '../protocol/usage.js';

export interface Spend {
  /** Input (cached included) plus output tokens. */
  tokens: number;
  /** Known cost in USD (requests at an unknown price add nothing here). */
  costUsd: number;
  /** Requests whose model had no known price. */
  unpricedRequests: number;
}

function noSpend(): Spend {
  return { tokens: 0, costUsd: 0, unpricedRequests: 0 };
}

function addSpend(spend: Spend, usage: Usage, cost: Cost): Spend {
  return {
    tokens: spend.tokens + usage.input_tokens + usage.output_tokens,
    costUsd: spend.costUsd + (cost.usd ?? 0),
    unpricedRequests: spend.unpricedRequests + (cost.usd === null ? 1 : 0),
  };
}

/** A session's spend (all its threads, earlier processes included) and where its caps come from. */
export class SessionBudget {
  private total: Spend;

  /** `caps` is read at every check, so a cap raised between turns applies at once. */
  constructor(
    private readonly caps: () => BudgetCaps | undefined,
    prior: Spend = noSpend(),
  ) {
    this.total = { ...prior };
  }

  get spent(): Spend {
    return this.total;
  }

  get sessionCaps(): BudgetCaps | undefined {
    return this.caps();
  }

  charge(usage: Usage, cost: Cost): void {
    this.total = addSpend(this.total, usage, cost);
  }
}

/** The next request, as estimated before it is sent. */
export interface RequestEstimate {
  model: string;
  inputTokens: number;
  /** Of those, expected from the prompt cache (the previous request's prefix). */
  cachedTokens: number;
}

export interface StopCheck {
  turnCaps: BudgetCaps | undefined;
  sessionCaps: BudgetCaps | undefined;
  turn: Spend;
  session: Spend;
  estimate: RequestEstimate;
  /** The model's price is known. */
  priced: boolean;
  estimatedInputUsd: number | null;
}

const usd = (value: number) => formatUsd(value);
const raise = (key: string, value: number) => `-c ${key}=${value}`;

/** Why the next request must not be sent, naming the cap and the spend; undefined when it may. */
function budgetStop(check: StopCheck): string | undefined {
  const scopes = [
    {
      name: "the turn's",
      caps: check.turnCaps,
      spent: check.turn,
      costKey: 'max_turn_cost_usd',
      tokenKey: 'max_turn_tokens',
    },
    {
      name: "the session's",
      caps: check.sessionCaps,
      spent: check.session,
      costKey: 'max_cost_usd',
      tokenKey: 'max_tokens',
    },
  ];
  const resume = 'and resume the session to continue';
  for (const scope of scopes) {
    const caps = scope.caps;
    if (!caps) continue;
    if (caps.maxTokens !== undefined && scope.spent.tokens + check.estimate.inputTokens > caps.maxTokens) {
      return (
        `budget reached: ${scope.name} ${scope.tokenKey} cap is ${caps.maxTokens} tokens and ${scope.spent.tokens} have been used; ` +
        `the next request would send about ${check.estimate.inputTokens} more. ` +
        `Raise the cap (e.g. ${raise(scope.tokenKey, Math.max(caps.maxTokens * 2, scope.spent.tokens + check.estimate.inputTokens * 4))}) ${resume}.`
      );
    }
    if (caps.maxCostUsd === undefined) continue;
    if (!check.priced || check.estimatedInputUsd === null) {
      return (
        `budget cannot be checked: ${scope.name} ${scope.costKey} cap is ${usd(caps.maxCostUsd)} but ${check.estimate.model} has no known price, ` +
        `so its cost cannot be counted. Set [model_prices."${check.estimate.model}"] (input, cached_input, output in USD per million tokens) in config.toml, or remove the cap.`
      );
    }
    if (scope.spent.costUsd + check.estimatedInputUsd > caps.maxCostUsd) {
      return (
        `budget reached: ${scope.name} ${scope.costKey} cap is ${usd(caps.maxCostUsd)} and ${usd(scope.spent.costUsd)} has been spent; ` +
        `the next request's input would cost about ${usd(check.estimatedInputUsd)} more. ` +
        `Raise the cap (e.g. ${raise(scope.costKey, Number((caps.maxCostUsd * 2).toFixed(4)))}) ${resume}.`
      );
    }
  }
  return undefined;
}

/** The costs `usage.updated` reports: the response's, the turn's and the thread's. */
export interface UsageCosts {
  last: Cost;
  turn: Cost;
  thread: Cost;
}

export interface TurnSpendDeps {
  budget: SessionBudget;
  settings(): ThreadSettings;
  /** The next request's size, estimated (called before every request). */
  estimate(): { inputTokens: number; cachedTokens: number };
  /** Adds a response's cost to the thread's; returns the thread's total. */
  chargeThread(cost: Cost): Cost;
}

/** One turn's spend: checked before each request, charged after each response. */
export class TurnSpend {
  private spent = noSpend();
  private turnCost = zeroCost();

  constructor(private readonly deps: TurnSpendDeps) {}

  get cost(): Cost {
    return this.turnCost;
  }

  /** Why the turn must stop before its next request, or undefined. */
  check(): string | undefined {
    const settings = this.deps.settings();
    const turnCaps = settings.budget?.turn;
    const sessionCaps = this.deps.budget.sessionCaps;
    if (!turnCaps && !sessionCaps) return undefined;
    const price = priceOf(settings.model, settings.modelPrices);
    const size = this.deps.estimate();
    return budgetStop({
      turnCaps,
      sessionCaps,
      turn: this.spent,
      session: this.deps.budget.spent,
      estimate: { model: settings.model, ...size },
      priced: price !== undefined,
      estimatedInputUsd: inputCostOf(size.inputTokens, size.cachedTokens, price),
    });
  }

  charge(usage: Usage): UsageCosts {
    const settings = this.deps.settings();
    const last = costOf(usage, priceOf(settings.model, settings.modelPrices));
    this.spent = addSpend(this.spent, usage, last);
    this.turnCost = addCost(this.turnCost, last);
    this.deps.budget.charge(usage, last);
    return { last, turn: this.turnCost, thread: this.deps.chargeThread(last) };
  }
}
