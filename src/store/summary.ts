/**
 * What a session list shows of one session (id, start, cwd, first prompt, turns, tokens), built from
 * its rollout lines — by the writer as it writes them, or by a scan of the file.
 *
 * The scan is fast because it parses only the lines it needs: the meta line, the first prompt and
 * usage events. Everything else is counted by its `type`, found without parsing.
 */
import type { SpawnOrigin } from '../protocol/collab.js';
import type { SpoolEventOf } from '../protocol/events.js';
import { type MessageItem, messageText } from '../protocol/items.js';
import { type ForkOrigin, RolloutLineRecord, type SessionMeta } from '../protocol/rollout.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { lineTypeOf } from './format.js';

/** Longest first prompt kept in a summary (the list shows less). */
const PROMPT_CHARS = 240;

export interface SessionSummary {
  id: string;
  started_at: string;
  cwd: string;
  model: string;
  model_provider: string;
  forked_from?: ForkOrigin;
  /** A sub-agent's session: its parent and path in the tree. */
  spawned_from?: SpawnOrigin;
  first_prompt?: string;
  turns: number;
  /** Sum of every response's usage over the session's life (all processes that ran it). */
  tokens: Usage;
  /**
   * What those responses cost: `usd` sums the priced ones; `unpriced_requests` counts those whose
   * price was unknown (recorded without a cost), so a total is never shown as complete when it is not.
   */
  cost: SessionCost;
}

export interface SessionCost {
  usd: number;
  unpriced_requests: number;
}

export class SummaryBuilder {
  private state: SessionSummary | undefined;

  constructor(from?: SessionSummary) {
    this.state = from
      ? { ...from, tokens: { ...from.tokens }, cost: { ...(from.cost ?? { usd: 0, unpriced_requests: 0 }) } }
      : undefined;
  }

  get summary(): SessionSummary | undefined {
    return this.state;
  }

  /** Whether `add` needs the parsed payload of this serialized line. */
  wants(type: string, line: string): boolean {
    if (type === 'session_meta') return true;
    if (type === 'item') return this.state !== undefined && this.state.turns > 0 && !this.state.first_prompt;
    return type === 'event' && line.includes('"usage.updated"');
  }

  add(type: string, payload: unknown): void {
    if (type === 'session_meta') {
      const meta = payload as SessionMeta;
      this.state = {
        id: meta.id,
        started_at: meta.timestamp,
        cwd: meta.cwd,
        model: meta.model,
        model_provider: meta.model_provider,
        ...(meta.forked_from ? { forked_from: meta.forked_from } : {}),
        ...(meta.spawned_from ? { spawned_from: meta.spawned_from } : {}),
        turns: 0,
        tokens: emptyUsage(),
        cost: { usd: 0, unpriced_requests: 0 },
      };
      return;
    }
    const state = this.state;
    if (!state) return;
    if (type === 'turn_context') state.turns++;
    else if (type === 'item' && state.turns > 0 && !state.first_prompt) {
      const item = payload as MessageItem | undefined;
      if (item?.type === 'message' && item.role === 'user')
        state.first_prompt = messageText(item).slice(0, PROMPT_CHARS);
    } else if (type === 'event') {
      const event = payload as SpoolEventOf<'usage.updated'> | undefined;
      if (event?.type === 'usage.updated') {
        state.tokens = addUsage(state.tokens, event.last);
        const usd = event.cost?.last.usd;
        if (typeof usd === 'number') state.cost.usd += usd;
        else state.cost.unpriced_requests++;
      }
    }
  }
}

/**
 * Adds the complete lines of `text` to `builder`; returns the bytes consumed (complete lines only,
 * so a later scan can continue from there when the file grows).
 */
export function scanLines(text: string, builder: SummaryBuilder): number {
  let offset = 0;
  for (;;) {
    const end = text.indexOf('\n', offset);
    if (end < 0) break;
    const line = text.slice(offset, end);
    offset = end + 1;
    const type = lineTypeOf(line);
    if (!type) continue;
    if (!builder.wants(type, line)) {
      builder.add(type, undefined);
      continue;
    }
    try {
      const record = RolloutLineRecord.safeParse(JSON.parse(line));
      // A line that is not a rollout line only costs the summary a detail; reading reports it.
      if (record.success) builder.add(type, record.data.payload);
    } catch (err) {
      // Not JSON: likewise.
      if (!(err instanceof SyntaxError) && !(err instanceof TypeError)) throw err;
    }
  }
  return Buffer.byteLength(text.slice(0, offset), 'utf8');
}
