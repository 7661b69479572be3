/**
 * `-c key=value` overrides: a dotted key path and a value parsed as TOML, falling back to a plain
 * string (so `-c model=o3` works without quotes, as in Codex).
 */
import { parse, TomlError } from 'smol-toml';
import { splitDottedKey } from './dotted-key.js';

export interface ConfigOverride {
  path: string[];
  value: unknown;
  /** The flag as given, for messages. */
  source: string;
}

export class OverrideError extends Error {}

/** Splits a dotted key, honouring quoted segments: `model_providers."my.host".base_url`. */
export function splitKeyPath(key: string): string[] {
  const parts = splitDottedKey(key);
  if (!parts)
    throw new OverrideError(key.trim() ? `invalid key "${key}" in -c override` : 'empty key in -c override');
  return parts;
}

export function parseOverride(raw: string): ConfigOverride {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new OverrideError(`-c expects key=value, got "${raw}"`);
  const key = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1).trim();
  const path = splitKeyPath(key);
  let value: unknown;
  try {
    value = (parse(`value = ${text}`) as { value: unknown }).value;
  } catch (err) {
    // Not a TOML value: the text itself (as Codex does).
    if (!(err instanceof TomlError)) throw err;
    value = text;
  }
  return { path, value, source: `-c ${raw}` };
}

/** Writes `value` at `path` inside `target`, creating tables as needed. */
export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
