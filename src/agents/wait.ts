/** `wait_agent`'s timeout: default 30 s, clamped to 10 s – 1 h (Codex's bounds), saying so. Pure. */

export const DEFAULT_WAIT_MS = 30_000;
export const MIN_WAIT_MS = 10_000;
export const MAX_WAIT_MS = 3_600_000;

export function clampWaitTimeout(requested: number | undefined): { ms: number; note?: string } {
  if (requested === undefined) return { ms: DEFAULT_WAIT_MS };
  if (requested < MIN_WAIT_MS)
    return { ms: MIN_WAIT_MS, note: `timeout_ms ${requested} raised to the minimum of ${MIN_WAIT_MS}` };
  if (requested > MAX_WAIT_MS)
    return { ms: MAX_WAIT_MS, note: `timeout_ms ${requested} lowered to the maximum of ${MAX_WAIT_MS}` };
  return { ms: requested };
}
