/**
 * Local compaction: the checkpoint the model is asked to write, what Spool adds to it verbatim, and
 * the history that replaces the old one. Pure functions.
 *
 * The most common complaint about compaction in every harness is that the agent forgets what it
 * was doing, which files it touched, or the project's rules. So the checkpoint has fixed sections,
 * the last tool steps are copied verbatim (not summarised), the files touched by patches are listed
 * from the patches themselves, the user's own recent messages are kept word for word, and the
 * project instructions come back with the fresh initial context.
 */

import { expectSyntaxError } from '../protocol/errors.js';
import { type HistoryItem, isToolCall, type MessageItem, messageText } from '../protocol/items.js';
import { ENVIRONMENT_CONTEXT_OPEN } from './environment-context.js';
import { PROJECT_INSTRUCTIONS_OPEN } from './project-docs.js';
import { PROJECT_INSTRUCTIONS_CHANGED } from './snapshot.js';
import { estimateTokens } from './tokens.js';
import { TURN_ABORTED_OPEN } from './turn-aborted.js';

const CHECKPOINT_TAG = 'context_checkpoint';
/** How the task frontier a fitted compaction request carries starts (see frontier.ts). */
export const FRONTIER_OPEN = '<task_frontier>';

export const CHECKPOINT_REQUEST = `<compaction_request>
The conversation is about to be compacted: everything above will be replaced by a checkpoint that you write now, so that work can continue without it. Do not call tools. Write the checkpoint in exactly these Markdown sections, concretely (names, paths, commands, numbers), without filler:

## Goal
What the user wants overall, in their words where possible.
## Rules
Every instruction from the user and from AGENTS.md that still applies (style, constraints, things to avoid).
## Decisions
Choices made and why, including approaches that were tried and rejected.
## Done
What is finished and verified.
## Remaining
What is left, in order.
## Next step
The single next action to take.
## Files touched
Every file created, changed or deleted, and what changed in it.
## Notes
Anything else needed to continue: errors seen, commands that work, open questions.
</compaction_request>`;

/** Our own context messages, told apart from the user's prompts by the tags they start with. */
const CONTEXT_PREFIXES = [
  ENVIRONMENT_CONTEXT_OPEN,
  PROJECT_INSTRUCTIONS_OPEN,
  PROJECT_INSTRUCTIONS_CHANGED,
  TURN_ABORTED_OPEN,
  FRONTIER_OPEN,
  `<${CHECKPOINT_TAG}>`,
  '<compaction_request>',
];

export function isContextMessage(item: HistoryItem): boolean {
  if (item.type !== 'message') return false;
  const first = item.content[0];
  return (
    first !== undefined &&
    first.type !== 'input_image' &&
    CONTEXT_PREFIXES.some((p) => first.text.startsWith(p))
  );
}

/** A prompt the user typed (not context Spool added). */
export function isUserPrompt(item: HistoryItem): item is MessageItem {
  return item.type === 'message' && item.role === 'user' && !isContextMessage(item);
}

/** `text` cut to about `maxBytes` in the middle, saying how much was left out. */
export function truncateMiddle(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const half = Math.floor(maxBytes / 2);
  const head = bytes
    .subarray(0, half)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  const tail = bytes
    .subarray(bytes.length - half)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  return `${head}\n[… ${bytes.length - maxBytes} bytes omitted …]\n${tail}`;
}

/**
 * The user's most recent prompts, oldest first, within `budgetTokens` (the newest is always kept,
 * cut in the middle if it alone is over budget).
 */
export function recentUserPrompts(history: readonly HistoryItem[], budgetTokens: number): MessageItem[] {
  const kept: MessageItem[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (!isUserPrompt(item)) continue;
    const tokens = estimateTokens(item);
    if (used + tokens > budgetTokens) {
      if (kept.length === 0) {
        kept.push({
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: truncateMiddle(messageText(item), budgetTokens * 4) }],
        });
      }
      break;
    }
    kept.push(item);
    used += tokens;
  }
  return kept.reverse();
}

/** Every string inside a tool call's input (a patch may come as apply_patch input or inside a shell command). */
function callText(item: HistoryItem): string {
  if (item.type === 'custom_tool_call') return item.input;
  if (item.type !== 'function_call') return '';
  const strings: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') strings.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  try {
    walk(JSON.parse(item.arguments));
  } catch (err) {
    expectSyntaxError(err);
    strings.push(item.arguments);
  }
  return strings.join('\n');
}

/** Paths named in patches (`*** Add/Update/Delete File:`, `*** Move to:`), in first-seen order. */
export function filesTouchedByPatches(history: readonly HistoryItem[]): string[] {
  const files: string[] = [];
  for (const item of history) {
    const text = callText(item);
    if (!text.includes('*** Begin Patch')) continue;
    for (const match of text.matchAll(
      /^\s*\*\*\* (?:Add File|Update File|Delete File|Move to): (.+?)\s*$/gm,
    )) {
      if (!files.includes(match[1]!)) files.push(match[1]!);
    }
  }
  return files;
}

/** The last `count` tool calls with their outputs, verbatim but each bounded. */
function lastToolSteps(history: readonly HistoryItem[], count: number, maxBytesPerPart = 2_000): string {
  const outputs = new Map<string, string>();
  for (const item of history) {
    if (item.type === 'function_call_output') {
      outputs.set(item.call_id, typeof item.output === 'string' ? item.output : JSON.stringify(item.output));
    } else if (item.type === 'custom_tool_call_output') {
      outputs.set(item.call_id, item.output);
    }
  }
  const calls = history.filter(isToolCall).slice(-count);
  return calls
    .map((call) => {
      const input = call.type === 'function_call' ? call.arguments : call.input;
      const output = outputs.get(call.call_id) ?? '(no output recorded)';
      return `### ${call.name}\n\`\`\`\n${truncateMiddle(input, maxBytesPerPart)}\n\`\`\`\nOutput:\n\`\`\`\n${truncateMiddle(output, maxBytesPerPart)}\n\`\`\``;
    })
    .join('\n\n');
}

interface CheckpointInput {
  /** The model's checkpoint text (the sections of CHECKPOINT_REQUEST). */
  summary: string;
  history: readonly HistoryItem[];
  lastSteps: number;
}

/** The checkpoint message: the model's sections plus what Spool knows exactly. */
export function checkpointMessage(input: CheckpointInput): MessageItem {
  const files = filesTouchedByPatches(input.history);
  const steps = lastToolSteps(input.history, input.lastSteps);
  const parts = [
    `<${CHECKPOINT_TAG}>`,
    'The earlier conversation was compacted to fit the context window. This checkpoint replaces it; continue the work from here.',
    '',
    input.summary.trim(),
  ];
  if (files.length > 0) parts.push('', '## Files changed by patches (exact)', ...files.map((f) => `- ${f}`));
  if (steps) parts.push('', '## Last tool steps (verbatim)', steps);
  parts.push(`</${CHECKPOINT_TAG}>`);
  return { type: 'message', role: 'developer', content: [{ type: 'input_text', text: parts.join('\n') }] };
}

/** The history after a local compaction: fresh initial context, recent prompts, the checkpoint. */
export function compactedHistory(
  initialContext: HistoryItem[],
  prompts: MessageItem[],
  checkpoint: MessageItem,
): HistoryItem[] {
  return [...initialContext, ...prompts, checkpoint];
}

/**
 * The history after a remote compaction (`/responses/compact`): fresh initial context, then the
 * returned items without our own old context messages (the fresh ones replace them).
 */
export function remoteCompactedHistory(
  initialContext: HistoryItem[],
  returned: HistoryItem[],
): HistoryItem[] {
  return [
    ...initialContext,
    ...returned.filter(
      (item) => !isContextMessage(item) && !(item.type === 'message' && item.role === 'developer'),
    ),
  ];
}

/**
 * Drops the oldest items after the initial context until `history` fits `budgetTokens`, keeping
 * tool calls and their outputs together (an output never survives without its call).
 */
export function trimToFit(
  history: readonly HistoryItem[],
  keepHead: number,
  budgetTokens: number,
): HistoryItem[] {
  const sizes = history.map((item) => estimateTokens(item));
  let total = sizes.reduce((a, b) => a + b, 0);
  let start = keepHead;
  const dropped = new Set<string>();
  while (start < history.length - 1 && total > budgetTokens) {
    const item = history[start]!;
    if (isToolCall(item)) dropped.add(item.call_id);
    total -= sizes[start]!;
    start++;
  }
  const tail = history.slice(start).filter((item) => {
    const orphan =
      (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') &&
      dropped.has(item.call_id);
    return !orphan;
  });
  return [...history.slice(0, keepHead), ...tail];
}
