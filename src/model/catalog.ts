/**
 * What Spool knows about model families (models.json, shipped as data): context window, whether
 * they reason, whether they take freeform (custom) tools. Matched by name prefix, longest first;
 * unknown models get conservative defaults (no reasoning parameters, function tools only).
 * `model_context_window` in config overrides the window.
 */
import catalog from './models.json' with { type: 'json' };

interface ModelInfo {
  contextWindow: number;
  reasoning: boolean;
  /** Accepts `{"type":"custom"}` tools with a grammar (apply_patch freeform). */
  customTools: boolean;
  /**
   * On Chat Completions the provider takes function tools only with `reasoning_effort: "none"`
   * (it rejects them with any other effort, and when the effort is left out).
   */
  chatToolsNeedEffortNone: boolean;
  /** False when the name matched no catalog entry. */
  known: boolean;
}

interface Entry {
  prefix: string;
  context_window: number;
  reasoning: boolean;
  custom_tools: boolean;
  chat_tools_need_effort_none?: boolean;
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
    chatToolsNeedEffortNone: found.chat_tools_need_effort_none ?? false,
    known: best !== undefined,
  };
}

/**
 * Why a Chat Completions request with these settings would be refused by the provider, and what to
 * change; undefined when it would be accepted. `effort` undefined means none is sent.
 */
export function chatReasoningConflict(
  model: string,
  effort: string | undefined,
  hasTools: boolean,
): string | undefined {
  if (!hasTools || effort === 'none' || !modelInfo(model).chatToolsNeedEffortNone) return undefined;
  return (
    `${model} takes function tools on Chat Completions only with reasoning_effort "none" ` +
    `(${effort === undefined ? 'it reasons by default' : `not "${effort}"`}), and Spool's tools are function tools. ` +
    'Use the Responses API for this provider (wire_api = "responses"), or set model_reasoning_effort = "none".'
  );
}

/** The context window when the model is in the catalog, else undefined. */
export function knownContextWindow(model: string): number | undefined {
  const info = modelInfo(model);
  return info.known ? info.contextWindow : undefined;
}
