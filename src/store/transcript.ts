/**
 * A session as Markdown (`spool sessions show`): the meta line as a header, then each turn with the
 * prompt, the model's messages and reasoning summaries, tool calls and their outputs, and the
 * turn's outcome and tokens. The history shown is the one resume would continue from.
 */

import { isContextMessage } from '../context/checkpoint.js';
import { expectSyntaxError } from '../protocol/errors.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { HistoryItem } from '../protocol/items.js';
import { COMMENTARY_PHASE, messageText } from '../protocol/items.js';
import { emptyUsage, type Usage } from '../protocol/usage.js';
import { readRollout } from './rollout-reader.js';

/** Longest tool output shown, in lines (the rest stays in the rollout file). */
const OUTPUT_LINES = 200;

/** A code fence longer than any run of backticks in `text`. */
function fenced(text: string, language = ''): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function clipLines(text: string): string {
  const lines = text.split('\n');
  if (lines.length <= OUTPUT_LINES) return text;
  return `${lines.slice(0, OUTPUT_LINES).join('\n')}\n… ${lines.length - OUTPUT_LINES} more lines (see the rollout file)`;
}

function prettyArguments(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch (err) {
    expectSyntaxError(err);
    return raw;
  }
}

function outputText(output: string | Array<{ type: string; text?: string }>): string {
  if (typeof output === 'string') return output;
  return output.map((part) => (part.type === 'input_image' ? '[image]' : (part.text ?? ''))).join('\n');
}

function tokens(usage: Usage): string {
  const n = (value: number) => value.toLocaleString('en-US');
  return `${n(usage.input_tokens)} input (${n(usage.cached_input_tokens)} cached), ${n(usage.output_tokens)} output`;
}

function renderItem(item: HistoryItem, inTurn: boolean): string {
  switch (item.type) {
    case 'message': {
      const text = messageText(item);
      if (item.role === 'assistant') {
        const label = item.phase === COMMENTARY_PHASE ? '**Assistant** (progress)' : '**Assistant**';
        return `${label}\n\n${text}`;
      }
      if (item.role === 'user' && inTurn && !isContextMessage(item)) return `**User**\n\n${text}`;
      return `<details><summary>Context for the model (${item.role})</summary>\n\n${fenced(text)}\n\n</details>`;
    }
    case 'reasoning': {
      const summary = item.summary.map((part) => part.text).join('\n\n');
      return summary ? `**Reasoning**\n\n${summary.replace(/^/gm, '> ')}` : '';
    }
    case 'function_call':
      return `**Tool call** \`${item.name}\` (${item.call_id})\n\n${fenced(prettyArguments(item.arguments), 'json')}`;
    case 'custom_tool_call':
      return `**Tool call** \`${item.name}\` (${item.call_id})\n\n${fenced(item.input)}`;
    case 'function_call_output':
    case 'custom_tool_call_output':
      return `**Output** (${item.call_id})\n\n${fenced(clipLines(outputText(item.output)))}`;
    case 'compaction':
      return '_The history before this point was compacted._';
  }
}

function outcome(event: SpoolEvent, usage: Usage): string | undefined {
  switch (event.type) {
    case 'turn.completed':
      return `_Turn completed · tokens: ${tokens(usage)}_`;
    case 'turn.failed':
      return `_Turn failed: ${event.error.message} · tokens: ${tokens(usage)}_`;
    case 'turn.interrupted':
      return `_Turn interrupted · tokens: ${tokens(usage)}_`;
    case 'warning':
      return `> **Warning:** ${event.message}`;
    case 'item.completed':
      if (event.item.type === 'auto_approval_review') {
        const review = event.item;
        const by = review.decision_source === 'user' ? 'the user (once)' : 'the guardian';
        return `_Approval review by ${by}: ${review.status} \`${review.action.display}\`${review.rationale ? ` — ${review.rationale}` : ''}_`;
      }
      if (event.item.type !== 'context_compaction') return undefined;
      return `_Context compacted (${event.item.trigger}, ${event.item.mode}): ${event.item.tokens_before.toLocaleString('en-US')} → ${event.item.tokens_after?.toLocaleString('en-US') ?? '?'} tokens_`;
    case 'approval.resolved':
      return `_Approval ${event.id}: ${event.decision}${event.reason ? ` (${event.reason})` : ''}_`;
    default:
      return undefined;
  }
}

export function renderTranscript(file: string): string {
  const blocks: string[] = [];
  let turnUsage: Usage = emptyUsage();
  let inTurn = false;
  // Items committed between turns (context updates) belong to the next turn's start.
  let between: HistoryItem[] = [];
  const read = readRollout(file, {
    hooks: {
      turnStarted: (turn, context, timestamp) => {
        const contextItems = between.map((item) => renderItem(item, false));
        if (turn === 1 && contextItems.length > 0) blocks.push('## Initial context', ...contextItems);
        blocks.push(`## Turn ${turn}\n\n_${timestamp} · ${context.model} · ${context.cwd}_`);
        if (turn > 1) blocks.push(...contextItems);
        between = [];
        inTurn = true;
        turnUsage = emptyUsage();
      },
      compacted: (history) => {
        blocks.push(`_The history was replaced by its compacted form (${history.length} items)._`);
      },
      committed: (items) => {
        if (!inTurn) between.push(...items);
        else for (const item of items) blocks.push(renderItem(item, true));
      },
      event: (event) => {
        if (event.type === 'usage.updated') turnUsage = event.turn;
        const text = outcome(event, turnUsage);
        if (text) blocks.push(text);
        if (
          event.type === 'turn.completed' ||
          event.type === 'turn.failed' ||
          event.type === 'turn.interrupted'
        )
          inTurn = false;
      },
    },
  });
  const { meta } = read;
  const header = [
    `# Session ${meta.id}`,
    '',
    `- Started: ${meta.timestamp}`,
    `- Directory: ${meta.cwd}`,
    `- Model: ${meta.model} (${meta.model_provider})`,
    ...(meta.git
      ? [
          `- Git: ${meta.git.branch ?? '(detached)'}${meta.git.commit ? ` @ ${meta.git.commit.slice(0, 12)}` : ''}`,
        ]
      : []),
    ...(meta.forked_from
      ? [`- Forked from: ${meta.forked_from.thread_id}, after turn ${meta.forked_from.turn}`]
      : []),
    `- Turns: ${read.turns}`,
    `- Spool: ${meta.spool_version} (log format ${meta.format_version})`,
  ];
  const initial =
    read.turns === 0 && between.length > 0
      ? ['## Initial context', ...between.map((item) => renderItem(item, false))]
      : [];
  const warnings = read.warnings.map((warning) => `> **Warning:** ${warning}`);
  const unfinished = read.unfinishedTurn
    ? ['_The process stopped during this turn; calls that never finished are answered `aborted`._']
    : [];
  return `${[header.join('\n'), ...warnings, ...initial, ...blocks, ...unfinished].filter((b) => b !== '').join('\n\n')}\n`;
}
