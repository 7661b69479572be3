/**
 * `spool stats`: rates and totals over the recorded sessions (the session store), grouped by model,
 * directory (`repo`) or day. Read from each rollout's kept events: turn outcomes, retries and their
 * causes, finished tool items, approvals, and every response's usage and cost.
 */
import fs from 'node:fs';
import type { SpoolEvent } from '../protocol/events.js';
import type { SessionListing } from '../store/session-index.js';

export type StatsGrouping = 'model' | 'repo' | 'day';

export interface StatsRow {
  key: string;
  sessions: number;
  turns: { total: number; completed: number; failed: number; interrupted: number };
  /** Turn failures by error kind (`budget_exceeded`, `rate_limit`, …). */
  failures: Record<string, number>;
  retries: { total: number; causes: Record<string, number> };
  tools: { calls: number; errors: number };
  approvals: Record<string, number>;
  tokens: { input: number; cached_input: number; output: number };
  cost: { usd: number; unpriced_requests: number };
  requests: number;
}

export interface StatsRates {
  completed: number | null;
  failed: number | null;
  interrupted: number | null;
  tool_errors: number | null;
  cache_hits: number | null;
}

export interface StatsReport {
  since: string | null;
  by: StatsGrouping | null;
  total: StatsRow & { rates: StatsRates };
  groups: Array<StatsRow & { rates: StatsRates }>;
}

function emptyRow(key: string): StatsRow {
  return {
    key,
    sessions: 0,
    turns: { total: 0, completed: 0, failed: 0, interrupted: 0 },
    failures: {},
    retries: { total: 0, causes: {} },
    tools: { calls: 0, errors: 0 },
    approvals: {},
    tokens: { input: 0, cached_input: 0, output: 0 },
    cost: { usd: 0, unpriced_requests: 0 },
    requests: 0,
  };
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

function merge(into: StatsRow, from: StatsRow): void {
  into.sessions += from.sessions;
  for (const k of ['total', 'completed', 'failed', 'interrupted'] as const) into.turns[k] += from.turns[k];
  for (const [k, v] of Object.entries(from.failures)) bump(into.failures, k, v);
  into.retries.total += from.retries.total;
  for (const [k, v] of Object.entries(from.retries.causes)) bump(into.retries.causes, k, v);
  into.tools.calls += from.tools.calls;
  into.tools.errors += from.tools.errors;
  for (const [k, v] of Object.entries(from.approvals)) bump(into.approvals, k, v);
  into.tokens.input += from.tokens.input;
  into.tokens.cached_input += from.tokens.cached_input;
  into.tokens.output += from.tokens.output;
  into.cost.usd += from.cost.usd;
  into.cost.unpriced_requests += from.cost.unpriced_requests;
  into.requests += from.requests;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function withRates(row: StatsRow): StatsRow & { rates: StatsRates } {
  return {
    ...row,
    rates: {
      completed: ratio(row.turns.completed, row.turns.total),
      failed: ratio(row.turns.failed, row.turns.total),
      interrupted: ratio(row.turns.interrupted, row.turns.total),
      tool_errors: ratio(row.tools.errors, row.tools.calls),
      cache_hits: ratio(row.tokens.cached_input, row.tokens.input),
    },
  };
}

/** Folds one event of a rollout into `row`. */
function addEvent(row: StatsRow, event: SpoolEvent): void {
  switch (event.type) {
    case 'turn.completed':
      row.turns.total++;
      row.turns.completed++;
      break;
    case 'turn.failed':
      row.turns.total++;
      row.turns.failed++;
      bump(row.failures, event.error.kind ?? 'unknown');
      break;
    case 'turn.interrupted':
      row.turns.total++;
      row.turns.interrupted++;
      break;
    case 'stream.retrying':
      row.retries.total++;
      bump(row.retries.causes, event.kind ?? 'unknown');
      break;
    case 'approval.resolved':
      bump(row.approvals, event.decision);
      break;
    case 'usage.updated': {
      row.requests++;
      row.tokens.input += event.last.input_tokens;
      row.tokens.cached_input += event.last.cached_input_tokens;
      row.tokens.output += event.last.output_tokens;
      const usd = event.cost?.last.usd;
      if (typeof usd === 'number') row.cost.usd += usd;
      else row.cost.unpriced_requests++;
      break;
    }
    case 'item.completed': {
      const item = event.item;
      if (item.type === 'command_execution') {
        row.tools.calls++;
        if (item.status === 'failed' || (item.status === 'completed' && item.exit_code !== 0))
          row.tools.errors++;
      } else if (item.type === 'file_change' || item.type === 'mcp_tool_call') {
        row.tools.calls++;
        if (item.status === 'failed') row.tools.errors++;
      }
      break;
    }
    default:
      break;
  }
}

/** The kept events of a rollout file (lines that do not parse are skipped: stats are best effort). */
function* rolloutEvents(file: string): Generator<SpoolEvent> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"type":"event"')) continue;
    let parsed: { type?: string; payload?: SpoolEvent };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch (err) {
      if (err instanceof SyntaxError) continue; // a torn last line
      throw err;
    }
    if (parsed.type === 'event' && parsed.payload && typeof parsed.payload.type === 'string')
      yield parsed.payload;
  }
}

/** `7d`, `24h`, `30m`, or an ISO date → the cut-off time; undefined when `spec` is not one. */
export function parseSince(spec: string, now: Date): Date | undefined {
  const relative = /^(\d+)([dhm])$/.exec(spec.trim());
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(spec)) return undefined;
  const date = new Date(spec);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function keyOf(session: SessionListing, by: StatsGrouping): string {
  if (by === 'model') return session.model;
  if (by === 'repo') return session.cwd;
  return session.started_at.slice(0, 10);
}

/** Stats of `sessions` started at or after `since`, grouped `by` (groups sorted by key). */
export function computeStats(
  sessions: SessionListing[],
  options: { since?: Date; by?: StatsGrouping; events?: (file: string) => Iterable<SpoolEvent> } = {},
): StatsReport {
  const read = options.events ?? rolloutEvents;
  const total = emptyRow('all');
  const groups = new Map<string, StatsRow>();
  for (const session of sessions) {
    if (options.since && new Date(session.started_at) < options.since) continue;
    const row = emptyRow(options.by ? keyOf(session, options.by) : 'all');
    row.sessions = 1;
    for (const event of read(session.path)) addEvent(row, event);
    merge(total, row);
    if (options.by) {
      const group = groups.get(row.key) ?? emptyRow(row.key);
      merge(group, row);
      groups.set(row.key, group);
    }
  }
  return {
    since: options.since?.toISOString() ?? null,
    by: options.by ?? null,
    total: withRates(total),
    groups: [...groups.values()].sort((a, b) => a.key.localeCompare(b.key)).map(withRates),
  };
}
