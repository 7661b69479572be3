/**
 * What Spool knows about model families: context window, whether they reason, whether they take
 * freeform (custom) tools. Data, matched by name prefix, longest first; unknown models get
 * conservative defaults (no reasoning parameters, function tools only).
 */
export interface ModelInfo {
  contextWindow: number;
  reasoning: boolean;
  /** Accepts `{"type":"custom"}` tools with a grammar (apply_patch freeform). */
  customTools: boolean;
}

const CATALOG: ReadonlyArray<readonly [prefix: string, info: ModelInfo]> = [
  ['gpt-5.1-codex', { contextWindow: 272_000, reasoning: true, customTools: true }],
  ['gpt-5-codex', { contextWindow: 272_000, reasoning: true, customTools: true }],
  ['codex-', { contextWindow: 272_000, reasoning: true, customTools: true }],
  ['gpt-5', { contextWindow: 272_000, reasoning: true, customTools: true }],
  ['o3', { contextWindow: 200_000, reasoning: true, customTools: false }],
  ['o4-mini', { contextWindow: 200_000, reasoning: true, customTools: false }],
  ['gpt-4.1', { contextWindow: 1_047_576, reasoning: false, customTools: false }],
  ['gpt-4o', { contextWindow: 128_000, reasoning: false, customTools: false }],
  ['gpt-oss', { contextWindow: 131_072, reasoning: false, customTools: false }],
];

export const DEFAULT_MODEL = 'gpt-5-codex';

const UNKNOWN: ModelInfo = { contextWindow: 128_000, reasoning: false, customTools: false };

/** The context window when the model is in the catalog, else undefined. */
export function knownContextWindow(model: string): number | undefined {
  const info = modelInfo(model);
  return info === UNKNOWN ? undefined : info.contextWindow;
}

export function modelInfo(model: string): ModelInfo {
  const name = model.toLowerCase();
  let best: ModelInfo | undefined;
  let bestLength = -1;
  for (const [prefix, info] of CATALOG) {
    if (name.startsWith(prefix) && prefix.length > bestLength) {
      best = info;
      bestLength = prefix.length;
    }
  }
  return best ?? UNKNOWN;
}
