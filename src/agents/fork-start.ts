/**
 * How a forked sub-agent's thread begins: its own initial context (its settings, its identity),
 * then what `fork_turns` carries of the parent's conversation. `none`: a fresh start (the thread
 * builds its initial context itself).
 */
import { buildInitialContext } from '../context/initial-context.js';
import { observeContext } from '../context/snapshot.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ContextSnapshot } from '../protocol/rollout.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { forkedHistory } from './fork.js';

export function forkedThreadStart(
  settings: ThreadSettings,
  parentHistory: readonly HistoryItem[],
  turns: 'none' | 'all' | number,
): { history?: HistoryItem[]; contextSnapshot?: ContextSnapshot } {
  const carried = forkedHistory(parentHistory, turns);
  if (carried.length === 0) return {};
  const observation = observeContext(settings);
  return {
    history: [...buildInitialContext(settings, observation), ...carried],
    contextSnapshot: observation.snapshot,
  };
}
