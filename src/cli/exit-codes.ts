/** The exit codes of `spool exec` and the commands built on it (review). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** Stopped at a spend cap (`max_cost_usd`, `max_tokens`, …). */
  budget: 3,
  interrupted: 130,
  outputClosed: 141,
  terminated: 143,
} as const;
