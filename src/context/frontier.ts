/**
 * Fitting a compaction request into a context window smaller than the history: the oldest items
 * after the initial context are left out of that one request, and what they held that the work
 * still needs travels with it as one message — the task frontier. The project rules stay (they are
 * the initial context, always kept), the recent steps stay (the tail is kept), and the frontier
 * carries the user's own words from the part left out (the goal) and every file changed by patches.
 * Oversized tool outputs are cut in the middle first, so one huge output cannot crowd out the rest.
 * Pure functions.
 */
import type { HistoryItem, MessageItem } from '../protocol/items.js';
import {
  FRONTIER_OPEN,
  filesTouchedByPatches,
  recentUserPrompts,
  trimToFit,
  truncateMiddle,
} from './checkpoint.js';
import { estimateTokens } from './tokens.js';

interface FittedInput {
  input: HistoryItem[];
  /** The frontier message, when something was left out. */
  frontier?: MessageItem;
  /** Items of the history that were left out. */
  dropped: number;
}

/** The share of the budget kept for the frontier (the user's words and the files touched). */
const FRONTIER_SHARE = 0.2;
/** The largest part of the budget one tool output may take in a compaction request. */
const OUTPUT_SHARE = 0.125;

function frontierMessage(leftOut: readonly HistoryItem[], history: readonly HistoryItem[], budget: number) {
  const prompts = recentUserPrompts(leftOut, Math.max(200, Math.floor(budget * 0.75)));
  const files = filesTouchedByPatches(history);
  const parts = [
    FRONTIER_OPEN,
    `The oldest ${leftOut.length} items of this conversation were left out to fit the context window. What they held that the work still needs:`,
  ];
  if (prompts.length > 0) {
    parts.push('', "## The user's messages (the goal)");
    for (const prompt of prompts) {
      const text = prompt.content
        .map((part) => (part.type === 'input_image' ? '[image]' : part.text))
        .join('\n');
      parts.push(text);
    }
  }
  if (files.length > 0) parts.push('', '## Files changed by patches', ...files.map((file) => `- ${file}`));
  parts.push('</task_frontier>');
  const text = truncateMiddle(parts.join('\n'), Math.max(800, budget * 4));
  const message: MessageItem = {
    type: 'message',
    role: 'developer',
    content: [{ type: 'input_text', text }],
  };
  return message;
}

/** A copy of `item` with its output cut in the middle to `maxBytes`, when it is a larger tool output. */
function boundedOutput(item: HistoryItem, maxBytes: number): HistoryItem {
  if (item.type === 'custom_tool_call_output')
    return { ...item, output: truncateMiddle(item.output, maxBytes) };
  if (item.type === 'function_call_output' && typeof item.output === 'string') {
    return { ...item, output: truncateMiddle(item.output, maxBytes) };
  }
  return item;
}

/**
 * `history` as a compaction request may send it within `budgetTokens` (estimated): unchanged when
 * it fits, else with the oldest items after the first `keepHead` left out and a frontier message
 * in their place.
 */
export function fitCompactionInput(
  history: readonly HistoryItem[],
  keepHead: number,
  budgetTokens: number,
): FittedInput {
  if (estimateTokens(history) <= budgetTokens) return { input: [...history], dropped: 0 };
  const maxOutputBytes = Math.max(2_000, Math.floor(budgetTokens * OUTPUT_SHARE) * 4);
  const bounded = history.map((item) => boundedOutput(item, maxOutputBytes));
  if (estimateTokens(bounded) <= budgetTokens) return { input: bounded, dropped: 0 };
  const reserve = Math.floor(budgetTokens * FRONTIER_SHARE);
  const trimmed = trimToFit(bounded, keepHead, budgetTokens - reserve);
  const tail = trimmed.slice(keepHead);
  const firstKept = tail.length > 0 ? bounded.indexOf(tail[0]!) : bounded.length;
  const leftOut = history.slice(keepHead, firstKept);
  if (leftOut.length === 0) return { input: trimmed, dropped: 0 };
  const frontier = frontierMessage(leftOut, history, reserve);
  return {
    input: [...trimmed.slice(0, keepHead), frontier, ...tail],
    frontier,
    dropped: leftOut.length,
  };
}
