/**
 * `-c key=value` overrides: a dotted key path and a value parsed as TOML, falling back to a plain
 * string (so `-c model=o3` works without quotes, as in Codex).
 */
import { parse } from 'smol-toml';

export interface ConfigOverride {
  path: string[];
  value: unknown;
  /** The flag as given, for messages. */
  source: string;
}

export class OverrideError extends Error {}

/** Splits a dotted key, honouring quoted segments: `model_providers."my.host".base_url`. */
export function splitKeyPath(key: string): string[] {
  const segments: string[] = [];
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let index = 0;
  while (index < key.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(key);
    if (!match) throw new OverrideError(`invalid key "${key}" in -c override`);
    segments.push(match[1] !== undefined ? JSON.parse(`"${match[1]}"`) : (match[2] ?? match[3] ?? ''));
    index = pattern.lastIndex;
    if (match[4] === '') break;
  }
  if (segments.length === 0) throw new OverrideError('empty key in -c override');
  return segments;
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
  } catch {
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
