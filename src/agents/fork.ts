/**
 * `fork_turns`: what of the parent's conversation a sub-agent starts with. `none` (the default)
 * is nothing; `all` or the last N turns carry only the parent's user and developer messages and its
 * final answers — no tool calls, outputs or reasoning — after the parent's own initial context
 * (the child gets its own). Pure.
 */
import type { HistoryItem } from '../protocol/items.js';

/** The parent's initial context (permissions and instructions, then the environment). */
const INITIAL_CONTEXT_ITEMS = 2;

function textOf(item: HistoryItem): string {
  if (item.type !== 'message') return '';
  return item.content.map((part) => ('text' in part ? part.text : '')).join('');
}

/** A user message that starts a turn (not a context update or a message from another agent). */
function startsTurn(item: HistoryItem): boolean {
  if (item.type !== 'message' || item.role !== 'user') return false;
  const text = textOf(item).trimStart();
  return !text.startsWith('<environment_context>') && !text.startsWith('<agent_message>');
}

export function forkedHistory(parent: readonly HistoryItem[], turns: 'none' | 'all' | number): HistoryItem[] {
  if (turns === 'none') return [];
  const items = parent.slice(INITIAL_CONTEXT_ITEMS);
  let from = 0;
  if (turns !== 'all') {
    const starts = items.flatMap((item, i) => (startsTurn(item) ? [i] : []));
    from = starts.length > turns ? (starts[starts.length - turns] ?? 0) : 0;
  }
  const kept: HistoryItem[] = [];
  for (let i = from; i < items.length; i++) {
    const item = items[i] as HistoryItem;
    if (item.type !== 'message') continue;
    if (item.role === 'user' || item.role === 'developer') {
      kept.push(item);
      continue;
    }
    // An assistant message is a final answer when no tool call follows it in its turn.
    let final = true;
    for (let j = i + 1; j < items.length; j++) {
      const next = items[j] as HistoryItem;
      if (next.type === 'function_call' || next.type === 'custom_tool_call') {
        final = false;
        break;
      }
      if (startsTurn(next)) break;
    }
    if (final) kept.push(item);
  }
  return kept;
}
