/**
 * Human-readable progress for `spool exec` on stderr: what runs, what changed, retries, usage.
 * The assistant's final message goes to stdout separately, so `spool exec … > answer.md` works.
 *
 * Everything that comes from a command or the model is made safe for the terminal first
 * (src/text/terminal-safe.ts): commands and paths exactly, with hidden characters shown as escapes;
 * output and prose with escape sequences removed.
 */
import { formatUsd } from '../model/prices.js';
import type { SpoolEvent, ThreadItemOf } from '../protocol/events.js';
import { COMMENTARY_PHASE } from '../protocol/items.js';
import type { Cost } from '../protocol/usage.js';
import { terminalSafe, visibleText } from '../text/terminal-safe.js';
import { outputPreview } from '../tools/shell/format.js';

const HEAD_LINES = 3;
const TAIL_LINES = 2;

/** Lines of text indented under an entry. */
function indented(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

/**
 * The start and end of a command's output, and how many lines lie between (of the whole output).
 * `exact`: the text quotes a command (a refusal), so hidden characters are shown as escapes.
 */
function preview(aggregated: string, exact = false): string {
  const safe = exact ? visibleText(aggregated, { keepNewlines: true }) : terminalSafe(aggregated);
  return outputPreview(safe, HEAD_LINES, TAIL_LINES)
    .map((line) =>
      typeof line === 'string'
        ? `    ${line}`
        : line.more > 0
          ? `    … ${line.more.toLocaleString('en-US')} more lines …`
          : '    …',
    )
    .join('\n');
}

/** `cost $0.0123 (uncached input $…, cached input $…, output $…)`, or `cost unknown` (no price). */
function formatCost(cost: Cost): string {
  if (cost.usd === null)
    return 'cost unknown (no price for the model: see [model_prices] in docs/observability.md)';
  return `cost ${formatUsd(cost.usd)} (uncached input ${formatUsd(cost.uncached_input_usd)}, cached input ${formatUsd(cost.cached_input_usd)}, output ${formatUsd(cost.output_usd)})`;
}

/** A command as it is shown: exactly, a multi-line script with its later lines indented. */
function shownCommand(command: string): string {
  return visibleText(command, { keepNewlines: true }).replace(/\n/g, '\n  ');
}

/** A decision of the automatic reviewer, with its reasons (`approvals_reviewer = "auto_review"`). */
function formatReview(item: ThreadItemOf<'auto_approval_review'>): string | undefined {
  if (item.status === 'in_progress') return undefined;
  const verdict = {
    approved: 'approved',
    denied: 'denied',
    escalated: 'escalated to you',
    timed_out: 'timed out (denied)',
    aborted: 'aborted',
  }[item.status];
  const by = item.decision_source === 'user' ? 'approved once by you' : `guardian ${verdict}`;
  const judged = [
    item.risk_level ? `risk ${item.risk_level}` : undefined,
    item.user_authorization ? `authorization ${item.user_authorization}` : undefined,
  ].filter((part) => part !== undefined);
  // The action and the rationale come from models: shown as text, never as terminal controls.
  const head = `${by}: ${visibleText(item.action.display)}${judged.length ? ` (${judged.join(', ')})` : ''}`;
  return item.rationale ? `${head}\n  ↳ ${terminalSafe(item.rationale)}` : head;
}

function formatHumanEvent(event: SpoolEvent): string | undefined {
  switch (event.type) {
    case 'thread.started':
      return `spool: thread ${event.thread_id}`;
    case 'item.started':
      if (event.item.type === 'command_execution') return `$ ${shownCommand(event.item.command)}`;
      return undefined;
    case 'item.completed': {
      const item = event.item;
      switch (item.type) {
        // Progress the model narrates while it works; the final answer goes to stdout.
        case 'agent_message':
          return item.phase === COMMENTARY_PHASE && item.text.trim() ? terminalSafe(item.text) : undefined;
        case 'reasoning':
          return item.text ? `thinking: ${terminalSafe(item.text)}` : undefined;
        case 'command_execution': {
          const status =
            item.status === 'declined'
              ? 'declined'
              : `exit ${item.exit_code ?? '?'}${item.duration_ms !== undefined ? ` in ${(item.duration_ms / 1000).toFixed(1)}s` : ''}`;
          const out = item.aggregated_output.trim()
            ? `\n${preview(item.aggregated_output, item.status === 'declined')}`
            : '';
          return `  ↳ ${status}${out}`;
        }
        case 'file_change': {
          const files = item.changes
            .map((c) => `${c.kind === 'add' ? 'A' : c.kind === 'delete' ? 'D' : 'M'} ${visibleText(c.path)}`)
            .join('\n');
          if (item.status !== 'failed') return files;
          // The reason the model was given, so the person sees why as well.
          const why = item.error?.message.trim();
          return `${files ? `${files}\n` : ''}  ↳ patch failed${why ? `:\n${indented(terminalSafe(why))}` : ''}`;
        }
        case 'error':
          return `error: ${terminalSafe(item.message)}`;
        case 'todo_list':
          return [
            ...(item.explanation ? [terminalSafe(item.explanation)] : []),
            ...item.items.map(
              (t) =>
                `${t.completed ? '[x]' : t.status === 'in_progress' ? '[~]' : '[ ]'} ${terminalSafe(t.text)}`,
            ),
          ].join('\n');
        case 'context_compaction':
          return item.status === 'completed'
            ? `context compacted (${item.mode}, ${item.trigger}): ${item.tokens_before} → ${item.tokens_after} tokens`
            : item.status === 'failed'
              ? 'context compaction failed'
              : undefined;
        case 'auto_approval_review':
          return formatReview(item);
        case 'plan':
          return `proposed plan:\n${terminalSafe(item.text)}`;
        case 'collab_tool_call': {
          const to = item.receiver_paths?.length
            ? ` ${item.receiver_paths.map((p) => visibleText(p)).join(', ')}`
            : '';
          const states = Object.values(item.agents_states)
            .map((state) => state.status)
            .join(', ');
          return `agents: ${item.tool}${to} ${item.status}${states ? ` (${states})` : ''}`;
        }
        case 'mcp_tool_call':
          return `tool ${visibleText(item.server)}.${visibleText(item.tool)}: ${item.status}${item.error ? ` (${terminalSafe(item.error.message)})` : ''}`;
        default:
          return undefined;
      }
    }
    case 'stream.retrying':
      return terminalSafe(event.message);
    case 'warning':
      return `warning: ${terminalSafe(event.message)}`;
    case 'turn.failed':
      return `error: ${terminalSafe(event.error.message)}${event.cost ? `\n${formatCost(event.cost)}` : ''}`;
    case 'turn.interrupted':
      return 'interrupted';
    case 'turn.completed': {
      const u = event.usage;
      const ratio = u.input_tokens > 0 ? Math.round((100 * u.cached_input_tokens) / u.input_tokens) : 0;
      return `tokens: ${u.input_tokens} in (${u.cached_input_tokens} cached, ${ratio}%), ${u.output_tokens} out${event.cost ? `; ${formatCost(event.cost)}` : ''}`;
    }
    default:
      return undefined;
  }
}

/**
 * A formatter that also remembers the context figures of the last `usage.updated`, to add "context
 * N% used" to the end-of-turn summary.
 */
export function createHumanFormatter(): (event: SpoolEvent) => string | undefined {
  let context: { tokens: number; window: number } | undefined;
  return (event) => {
    if (event.type === 'usage.updated')
      context = { tokens: event.context_tokens, window: event.context_window };
    const text = formatHumanEvent(event);
    if (event.type === 'turn.completed' && text && context && context.window > 0) {
      const used = Math.min(100, Math.round((100 * context.tokens) / context.window));
      return `${text}; context ${used}% of ${context.window.toLocaleString('en-US')} used`;
    }
    return text;
  };
}
