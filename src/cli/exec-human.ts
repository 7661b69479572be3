/**
 * Human-readable progress for `spool exec` on stderr: what runs, what changed, retries, usage.
 * The assistant's final message goes to stdout separately, so `spool exec … > answer.md` works.
 */
import type { SpoolEvent } from '../protocol/events.js';
import { COMMENTARY_PHASE } from '../protocol/items.js';

const MAX_OUTPUT_LINES = 6;

function preview(output: string): string {
  const lines = output.replace(/\n$/, '').split('\n');
  if (lines.length <= MAX_OUTPUT_LINES) return lines.map((l) => `    ${l}`).join('\n');
  const head = lines.slice(0, 3).map((l) => `    ${l}`);
  const tail = lines.slice(-2).map((l) => `    ${l}`);
  return [...head, `    … ${lines.length - 5} more lines …`, ...tail].join('\n');
}

export function formatHumanEvent(event: SpoolEvent): string | undefined {
  switch (event.type) {
    case 'thread.started':
      return `spool: thread ${event.thread_id}`;
    case 'item.started':
      if (event.item.type === 'command_execution') return `$ ${event.item.command}`;
      return undefined;
    case 'item.completed': {
      const item = event.item;
      switch (item.type) {
        // Progress the model narrates while it works; the final answer goes to stdout.
        case 'agent_message':
          return item.phase === COMMENTARY_PHASE && item.text.trim() ? item.text : undefined;
        case 'reasoning':
          return item.text ? `thinking: ${item.text}` : undefined;
        case 'command_execution': {
          const status =
            item.status === 'declined'
              ? 'declined'
              : `exit ${item.exit_code ?? '?'}${item.duration_ms !== undefined ? ` in ${(item.duration_ms / 1000).toFixed(1)}s` : ''}`;
          const out = item.aggregated_output.trim() ? `\n${preview(item.aggregated_output)}` : '';
          return `  ↳ ${status}${out}`;
        }
        case 'file_change':
          return (
            item.changes
              .map((c) => `${c.kind === 'add' ? 'A' : c.kind === 'delete' ? 'D' : 'M'} ${c.path}`)
              .join('\n') + (item.status === 'failed' ? '\n  ↳ patch failed' : '')
          );
        case 'error':
          return `error: ${item.message}`;
        case 'todo_list':
          return [
            ...(item.explanation ? [item.explanation] : []),
            ...item.items.map(
              (t) => `${t.completed ? '[x]' : t.status === 'in_progress' ? '[~]' : '[ ]'} ${t.text}`,
            ),
          ].join('\n');
        case 'context_compaction':
          return item.status === 'completed'
            ? `context compacted (${item.mode}, ${item.trigger}): ${item.tokens_before} → ${item.tokens_after} tokens`
            : item.status === 'failed'
              ? 'context compaction failed'
              : undefined;
        case 'mcp_tool_call':
          return `tool ${item.server}.${item.tool}: ${item.status}${item.error ? ` (${item.error.message})` : ''}`;
        default:
          return undefined;
      }
    }
    case 'stream.retrying':
      return event.message;
    case 'warning':
      return `warning: ${event.message}`;
    case 'turn.failed':
      return `error: ${event.error.message}`;
    case 'turn.interrupted':
      return 'interrupted';
    case 'turn.completed': {
      const u = event.usage;
      const ratio = u.input_tokens > 0 ? Math.round((100 * u.cached_input_tokens) / u.input_tokens) : 0;
      return `tokens: ${u.input_tokens} in (${u.cached_input_tokens} cached, ${ratio}%), ${u.output_tokens} out`;
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
