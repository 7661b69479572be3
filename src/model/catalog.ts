/**
 * What Spool knows about model families (models.json, shipped as data): context window, whether
 * they reason, whether they take freeform (custom) tools. Matched by name prefix, longest first;
 * unknown models get conservative defaults (no reasoning parameters, function tools only).
 * `model_context_window` in config overrides the window.
 */
import catalog from './models.json' with { type: 'json' };

export interface ModelInfo {
  contextWindow: number;
  reasoning: boolean;
  /** Accepts `{"type":"custom"}` tools with a grammar (apply_patch freeform). */
  customTools: boolean;
  /** False when the name matched no catalog entry. */
  known: boolean;
}

interface Entry {
  prefix: string;
  context_window: number;
  reasoning: boolean;
  custom_tools: boolean;
}

const ENTRIES: readonly Entry[] = catalog.models;

export const DEFAULT_MODEL = 'gpt-5-codex';

export function modelInfo(model: string): ModelInfo {
  const name = model.toLowerCase();
  let best: Entry | undefined;
  for (const entry of ENTRIES) {
    if (name.startsWith(entry.prefix) && (!best || entry.prefix.length > best.prefix.length)) best = entry;
  }
  const found = best ?? { ...catalog.unknown, prefix: '' };
  return {
    contextWindow: found.context_window,
    reasoning: found.reasoning,
    customTools: found.custom_tools,
    known: best !== undefined,
  };
}

/** The context window when the model is in the catalog, else undefined. */
export function knownContextWindow(model: string): number | undefined {
  const info = modelInfo(model);
  return info.known ? info.contextWindow : undefined;
}
