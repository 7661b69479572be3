/**
 * Stops a turn whose actions the guardian keeps denying: after `consecutive` denials in a row, or
 * `windowDenials` denials among the last `window` reviews (Codex's 3, and 10 of 50). A model
 * that keeps trying what is refused is not going to finish its task safely.
 */
export interface BreakerLimits {
  consecutive: number;
  windowDenials: number;
  window: number;
}

export const DEFAULT_BREAKER: BreakerLimits = { consecutive: 3, windowDenials: 10, window: 50 };

export class CircuitBreaker {
  private recent: boolean[] = [];
  private streak = 0;

  constructor(private readonly limits: BreakerLimits = DEFAULT_BREAKER) {}

  /** Records one review (denied or not); returns why the turn must stop, if it must. */
  record(denied: boolean): string | undefined {
    this.recent.push(denied);
    if (this.recent.length > this.limits.window) this.recent.shift();
    this.streak = denied ? this.streak + 1 : 0;
    if (!denied) return undefined;
    if (this.streak >= this.limits.consecutive) {
      return `the automatic reviewer denied ${this.streak} actions in a row, so the turn was stopped`;
    }
    const denials = this.recent.filter(Boolean).length;
    if (denials >= this.limits.windowDenials) {
      return `the automatic reviewer denied ${denials} of the last ${this.recent.length} actions, so the turn was stopped`;
    }
    return undefined;
  }

  /** A new turn starts with a clean record. */
  reset(): void {
    this.recent = [];
    this.streak = 0;
  }
}
