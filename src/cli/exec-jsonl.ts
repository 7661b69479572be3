/**
 * `exec --json`: Spool's events projected onto the exact shapes `codex exec --json` prints (and
 * `@openai/codex-sdk` parses): thread/turn/item lifecycle, item ids `item_N` in order of appearance,
 * key order as Codex's.
 */
import type { SpoolEvent, ThreadItem } from '../protocol/events.js';
import type {
  ExecJsonAgentEvent,
  ExecJsonCost,
  ExecJsonEvent,
  ExecJsonItem,
  ExecJsonUsage,
} from '../protocol/exec-json.js';
import type { Cost, Usage } from '../protocol/usage.js';

/** Item types shown only when complete. */
const ONCE_COMPLETE: ReadonlySet<ThreadItem['type']> = new Set([
  'agent_message',
  'reasoning',
  'entered_review_mode',
  'exited_review_mode',
]);

/** The turn's cost in USD (`usd: null`: the model's price is unknown). */
function costField(cost: Cost | undefined): { cost?: ExecJsonCost } {
  return cost ? { cost: { ...cost } } : {};
}

export class ExecJsonProjector {
  private readonly ids = new Map<string, string>();

  private idFor(internal: string): string {
    let id = this.ids.get(internal);
    if (!id) {
      id = `item_${this.ids.size}`;
      this.ids.set(internal, id);
    }
    return id;
  }

  private item(item: ThreadItem): ExecJsonItem {
    const id = this.idFor(item.id);
    switch (item.type) {
      case 'agent_message':
      case 'reasoning':
        return { id, type: item.type, text: item.text };
      case 'command_execution':
        return {
          id,
          type: item.type,
          command: item.command,
          aggregated_output: item.aggregated_output,
          exit_code: item.exit_code,
          status: item.status,
        };
      case 'file_change':
        return {
          id,
          type: item.type,
          changes: item.changes.map((c) => ({ path: c.path, kind: c.kind })),
          status: item.status,
        };
      case 'mcp_tool_call':
        return {
          id,
          type: item.type,
          server: item.server,
          tool: item.tool,
          arguments: item.arguments ?? null,
          result: item.result,
          error: item.error,
          status: item.status,
        };
      case 'todo_list':
        // Codex's shape: text and completed only.
        return { id, type: item.type, items: item.items.map(({ text, completed }) => ({ text, completed })) };
      case 'error':
        return { id, type: item.type, message: item.message };
      case 'plan':
        // Spool's own item type (plan mode's proposed plan; the agent_message carries it too).
        return { id, type: item.type, text: item.text };
      case 'context_compaction':
        // Spool's own item type (Codex's exec stream shows no compaction).
        return {
          id,
          type: item.type,
          trigger: item.trigger,
          mode: item.mode,
          status: item.status,
          tokens_before: item.tokens_before,
          tokens_after: item.tokens_after,
        };
      case 'auto_approval_review':
        // Spool's own item type: a decision of the automatic approval reviewer, with its reasons.
        return {
          id,
          type: item.type,
          ...(item.target_item_id ? { target_item_id: this.idFor(item.target_item_id) } : {}),
          action: item.action,
          status: item.status,
          decision_source: item.decision_source ?? null,
          risk_level: item.risk_level ?? null,
          user_authorization: item.user_authorization ?? null,
          rationale: item.rationale ?? null,
        };
      case 'collab_tool_call':
        // Codex's item; the paths are Spool's addition (the tree is addressed by path).
        return {
          id,
          type: item.type,
          tool: item.tool,
          sender_thread_id: item.sender_thread_id,
          receiver_thread_ids: item.receiver_thread_ids,
          prompt: item.prompt,
          agents_states: item.agents_states,
          status: item.status,
          ...(item.sender_path ? { sender_path: item.sender_path } : {}),
          ...(item.receiver_paths ? { receiver_paths: item.receiver_paths } : {}),
        };
      case 'entered_review_mode':
        // Spool's own item types (Codex's exec stream shows a review only as its rendered text).
        return { id, type: item.type, review: item.review, target: item.target };
      case 'exited_review_mode': {
        // The findings as data, on the item itself; the rendered text follows as an agent_message.
        const result = item.result ?? {
          findings: null,
          overall_correctness: null,
          overall_explanation: null,
          overall_confidence: null,
        };
        return {
          id,
          type: item.type,
          review: item.review,
          review_id: item.review_id,
          model: item.model,
          ...result,
          notes: item.notes,
        };
      }
    }
  }

  private usage(usage: Usage): ExecJsonUsage {
    return {
      input_tokens: usage.input_tokens,
      cached_input_tokens: usage.cached_input_tokens,
      cache_write_input_tokens: 0,
      output_tokens: usage.output_tokens,
      reasoning_output_tokens: usage.reasoning_output_tokens,
    };
  }

  /**
   * A sub-agent's event: its items only (its turns are not the run's), each line and its item
   * attributed to the agent (`thread_id`, `agent_path`); item ids are numbered with the root's, never reused.
   */
  projectAgent(agentPath: string, threadId: string, event: SpoolEvent): ExecJsonAgentEvent[] {
    if (event.type !== 'item.started' && event.type !== 'item.updated' && event.type !== 'item.completed')
      return [];
    const item = { ...event.item, id: `${threadId}/${event.item.id}` } as ThreadItem;
    // On the line and in the item (a client that keeps only items, like the Codex SDK, keeps both).
    return this.project({ ...event, item }).flatMap((line) =>
      'item' in line
        ? [
            {
              ...line,
              item: { ...line.item, thread_id: threadId, agent_path: agentPath },
              thread_id: threadId,
              agent_path: agentPath,
            },
          ]
        : [],
    );
  }

  /** Zero or more JSON lines (objects) for one event. */
  project(event: SpoolEvent): ExecJsonEvent[] {
    switch (event.type) {
      case 'thread.started':
        return [{ type: 'thread.started', thread_id: event.thread_id }];
      case 'turn.started':
        return [{ type: 'turn.started' }];
      case 'item.started':
      case 'item.updated':
        // Codex reports messages and reasoning once, complete (and a review's items too).
        if (ONCE_COMPLETE.has(event.item.type)) return [];
        return [{ type: event.type, item: this.item(event.item) }];
      case 'item.completed':
        if (event.item.type === 'reasoning' && event.item.text === '') return [];
        if (event.item.type === 'exited_review_mode') {
          // The data first, then the review as Codex's exec prints it (its final message).
          const data = this.item(event.item);
          const text = this.item({
            id: `${event.item.id}#text`,
            type: 'agent_message',
            text: event.item.review,
          });
          return [
            { type: 'item.completed', item: data },
            { type: 'item.completed', item: text },
          ];
        }
        return [{ type: 'item.completed', item: this.item(event.item) }];
      // `cost` is Spool's addition (the SDK reads the fields it knows and ignores the rest).
      case 'turn.completed':
        return [{ type: 'turn.completed', usage: this.usage(event.usage), ...costField(event.cost) }];
      case 'turn.failed':
        return [
          { type: 'error', message: event.error.message },
          { type: 'turn.failed', error: { message: event.error.message }, ...costField(event.cost) },
        ];
      case 'turn.interrupted':
        return [{ type: 'turn.failed', error: { message: 'turn interrupted' } }];
      // A retry is not an `error` event: clients (@openai/codex-sdk) treat `error` as fatal, and Codex
      // emits nothing for a request it retries. exec shows retries on stderr instead.
      default:
        return [];
    }
  }
}
