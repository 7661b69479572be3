/** Reading loosely typed JSON from servers: what is there, or a safe default. */
export type Json = Record<string, unknown>;

/** `value` when it is a plain object, else undefined. */
export function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** `value` when it is a finite number, else 0. */
export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
