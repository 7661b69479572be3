/**
 * The bounded excerpt of the reviewed thread the guardian reads: the user's requests and the recent
 * actions, each entry cut to its own budget, messages and tool evidence each within a fixed total
 * (so a flood of tool output cannot push the user's words out). Pure functions over history items.
 */
import { isUserPrompt } from '../context/checkpoint.js';
import type { ContentPart, HistoryItem } from '../protocol/items.js';

/** Token budgets (≈ 4 bytes per token), as Codex sizes its guardian transcript. */
export const TRANSCRIPT_BUDGET = {
  messageTokens: 10_000,
  toolTokens: 10_000,
  messageEntryTokens: 2_000,
  toolEntryTokens: 1_000,
  /** Non-user entries kept, newest first. */
  recentEntries: 40,
} as const;
type TranscriptBudget = typeof TRANSCRIPT_BUDGET;

/** Developer notes that reach the guardian's excerpt: a person approved a denied action. */
export const USER_APPROVAL_NOTE_PREFIX = 'The user approved an action the automatic reviewer had denied';

export interface TranscriptEntry {
  kind: 'user' | 'assistant' | 'developer' | 'tool';
  /** How the entry is labelled: `user`, `assistant`, `tool shell call`, `tool shell result`, … */
  label: string;
  text: string;
}

const BYTES_PER_TOKEN = 4;

function approxTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN);
}

function partsText(parts: readonly ContentPart[] | string): string {
  if (typeof parts === 'string') return parts;
  return parts.map((p) => (p.type === 'input_image' ? '[image]' : p.text)).join('\n');
}

/** The entries of a history worth showing the guardian, in order (context messages left out). */
export function transcriptEntries(history: readonly HistoryItem[]): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  const toolNames = new Map<string, string>();
  const push = (kind: TranscriptEntry['kind'], label: string, text: string) => {
    if (text.trim() !== '') entries.push({ kind, label, text });
  };
  for (const item of history) {
    switch (item.type) {
      case 'message':
        if (item.role === 'user' && isUserPrompt(item)) push('user', 'user', partsText(item.content));
        else if (item.role === 'assistant') push('assistant', 'assistant', partsText(item.content));
        else if (item.role === 'developer') {
          const text = partsText(item.content);
          if (text.startsWith(USER_APPROVAL_NOTE_PREFIX)) push('developer', 'developer', text);
        }
        break;
      case 'function_call':
        toolNames.set(item.call_id, item.name);
        push('tool', `tool ${item.name} call`, item.arguments);
        break;
      case 'custom_tool_call':
        toolNames.set(item.call_id, item.name);
        push('tool', `tool ${item.name} call`, item.input);
        break;
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const name = toolNames.get(item.call_id);
        push('tool', name ? `tool ${name} result` : 'tool result', partsText(item.output));
        break;
      }
      default:
        break;
    }
  }
  return entries;
}

/**
 * `text` cut to about `maxTokens`, keeping its start and end around a `<truncated … />` marker
 * (the policy tells the guardian what the marker means).
 */
export function truncateForGuardian(text: string, maxTokens: number): string {
  const maxBytes = maxTokens * BYTES_PER_TOKEN;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const omitted = Math.ceil((bytes.length - maxBytes) / BYTES_PER_TOKEN);
  const marker = `<truncated omitted_approx_tokens="${omitted}" />`;
  const keep = Math.max(0, maxBytes - marker.length);
  const head = bytes
    .subarray(0, Math.floor(keep / 2))
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  const tail = bytes
    .subarray(bytes.length - Math.ceil(keep / 2))
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  return `${head}${marker}${tail}`;
}

interface RenderedTranscript {
  /** `[n] label: text` lines, in order. */
  lines: string[];
  /** Some entries were left out to stay within the budgets. */
  omitted: boolean;
}

/**
 * Picks and renders entries within the budgets: the first and the latest user requests always,
 * other user requests newest first while the message budget lasts, then the most recent other
 * entries (at most `recentEntries`) while their budget lasts. `offset` numbers a delta's entries
 * after the ones already shown.
 */
export function renderTranscript(
  entries: readonly TranscriptEntry[],
  offset = 0,
  budget: TranscriptBudget = TRANSCRIPT_BUDGET,
): RenderedTranscript {
  const rendered = entries.map((entry, index) => {
    const cap = entry.kind === 'tool' ? budget.toolEntryTokens : budget.messageEntryTokens;
    const line = `[${offset + index + 1}] ${entry.label}: ${truncateForGuardian(entry.text, cap)}`;
    return { line, tokens: approxTokens(line) };
  });
  const included = new Array<boolean>(entries.length).fill(false);
  let messageTokens = 0;
  let toolTokens = 0;
  const users = entries.flatMap((entry, index) => (entry.kind === 'user' ? [index] : []));
  const takeMessage = (index: number, force: boolean): void => {
    const tokens = rendered[index]?.tokens ?? 0;
    if (included[index] || (!force && messageTokens + tokens > budget.messageTokens)) return;
    included[index] = true;
    messageTokens += tokens;
  };
  const first = users[0];
  const last = users[users.length - 1];
  if (first !== undefined) takeMessage(first, true);
  if (last !== undefined) takeMessage(last, false);
  for (const index of [...users].reverse()) takeMessage(index, false);
  let recent = 0;
  for (let index = entries.length - 1; index >= 0 && recent < budget.recentEntries; index--) {
    const entry = entries[index];
    if (!entry || entry.kind === 'user') continue;
    const tokens = rendered[index]?.tokens ?? 0;
    if (entry.kind === 'tool') {
      if (toolTokens + tokens > budget.toolTokens) continue;
      toolTokens += tokens;
    } else {
      if (messageTokens + tokens > budget.messageTokens) continue;
      messageTokens += tokens;
    }
    included[index] = true;
    recent++;
  }
  return {
    lines: rendered.filter((_, index) => included[index]).map((r) => r.line),
    omitted: included.some((kept) => !kept),
  };
}
