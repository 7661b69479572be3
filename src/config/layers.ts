/**
 * Configuration layers merged in precedence order (later wins), remembering which layer set each
 * value so `spool config show` can say where it came from.
 */

export interface Layer {
  /** e.g. `default`, `/home/u/.spool/config.toml`, `profile fast`, `-c`, `flag --model`. */
  source: string;
  values: Record<string, unknown>;
}

interface Merged {
  values: Record<string, unknown>;
  /** Dotted leaf path → the source of its value. */
  sources: Map<string, string>;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mergeInto(
  target: Record<string, unknown>,
  values: Record<string, unknown>,
  source: string,
  prefix: string,
  sources: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isTable(value)) {
      const existing = target[key];
      const table = isTable(existing) ? existing : {};
      target[key] = table;
      mergeInto(table, value, source, path, sources);
      if (Object.keys(value).length === 0 && !sources.has(path)) sources.set(path, source);
    } else {
      target[key] = structuredClone(value);
      for (const known of [...sources.keys()]) if (known.startsWith(`${path}.`)) sources.delete(known);
      sources.set(path, source);
    }
  }
}

export function mergeLayers(layers: Layer[]): Merged {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const layer of layers) mergeInto(values, layer.values, layer.source, '', sources);
  return { values, sources };
}
