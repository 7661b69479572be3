/**
 * The lines `exec --json` prints: Codex's `codex exec --json` events (exec_events.rs; the captures in
 * ../shared/conformance/codex-exec-json/ parse with these schemas, test/cli/exec-json-schema.test.ts),
 * plus Spool's own item types, which Codex's stream does not have (compaction, automatic approval
 * review, plan mode's plan, code review) and the turn's `cost`.
 * Objects are strict: a field Codex does not print is an error. cli/exec-jsonl.ts builds these.
 */
import { z } from 'zod';
import { CollabToolCallThreadItem } from './collab.js';
import { OverallCorrectness, ReviewFinding, ReviewTarget } from './review.js';

const id = z.string();
const ItemStatus = z.enum(['in_progress', 'completed', 'failed', 'declined']);

const ExecJsonItem = z.discriminatedUnion('type', [
  z.strictObject({ id, type: z.literal('agent_message'), text: z.string() }),
  z.strictObject({ id, type: z.literal('reasoning'), text: z.string() }),
  z.strictObject({
    id,
    type: z.literal('command_execution'),
    command: z.string(),
    aggregated_output: z.string(),
    exit_code: z.number().int().nullable(),
    status: ItemStatus,
  }),
  z.strictObject({
    id,
    type: z.literal('file_change'),
    changes: z.array(z.strictObject({ path: z.string(), kind: z.enum(['add', 'delete', 'update']) })),
    status: ItemStatus,
  }),
  z.strictObject({
    id,
    type: z.literal('mcp_tool_call'),
    server: z.string(),
    tool: z.string(),
    arguments: z.unknown(),
    result: z.strictObject({ content: z.array(z.unknown()), structured_content: z.unknown() }).nullable(),
    error: z.strictObject({ message: z.string() }).nullable(),
    status: ItemStatus,
  }),
  z.strictObject({
    id,
    type: z.literal('todo_list'),
    items: z.array(z.strictObject({ text: z.string(), completed: z.boolean() })),
  }),
  z.strictObject({ id, type: z.literal('error'), message: z.string() }),
  // Codex's sub-agent tool call (with Spool's sender and receiver paths).
  CollabToolCallThreadItem.strict(),
  // Spool's own: compaction is visible in the stream.
  z.strictObject({
    id,
    type: z.literal('context_compaction'),
    trigger: z.enum(['auto', 'manual', 'overflow']),
    mode: z.enum(['remote', 'local']),
    status: ItemStatus,
    tokens_before: z.number().int(),
    tokens_after: z.number().int().nullable(),
  }),
  // Spool's own: a decision of the automatic approval reviewer, with its reasons.
  z.strictObject({
    id,
    type: z.literal('auto_approval_review'),
    target_item_id: z.string().optional(),
    action: z.unknown(),
    status: z.enum(['in_progress', 'approved', 'denied', 'escalated', 'timed_out', 'aborted']),
    decision_source: z.enum(['guardian', 'user']).nullable(),
    risk_level: z.enum(['low', 'medium', 'high']).nullable(),
    user_authorization: z.enum(['explicit', 'implied', 'none']).nullable(),
    rationale: z.string().nullable(),
  }),
  // Spool's own: plan mode's proposed plan.
  z.strictObject({ id, type: z.literal('plan'), text: z.string() }),
  // Spool's own: a code review began (what it looks at) and ended (its findings as data; null
  // when the reviewer gave none that could be read).
  z.strictObject({ id, type: z.literal('entered_review_mode'), review: z.string(), target: ReviewTarget }),
  z.strictObject({
    id,
    type: z.literal('exited_review_mode'),
    review: z.string(),
    review_id: z.string(),
    model: z.string(),
    findings: z.array(ReviewFinding).nullable(),
    overall_correctness: OverallCorrectness.nullable(),
    overall_explanation: z.string().nullable(),
    overall_confidence: z.number().nullable(),
    notes: z.array(z.string()),
  }),
]);
export type ExecJsonItem = z.infer<typeof ExecJsonItem>;

const Usage = z.strictObject({
  input_tokens: z.number().int(),
  cached_input_tokens: z.number().int(),
  cache_write_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  reasoning_output_tokens: z.number().int(),
});
export type ExecJsonUsage = z.infer<typeof Usage>;

/** Spool's addition to turn.completed / turn.failed: what the turn cost (`null`: price unknown). */
const Cost = z.strictObject({
  usd: z.number().nullable(),
  uncached_input_usd: z.number().nullable(),
  cached_input_usd: z.number().nullable(),
  output_usd: z.number().nullable(),
});
export type ExecJsonCost = z.infer<typeof Cost>;

export const ExecJsonEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('thread.started'), thread_id: z.string() }),
  z.strictObject({ type: z.literal('turn.started') }),
  z.strictObject({ type: z.literal('item.started'), item: ExecJsonItem }),
  z.strictObject({ type: z.literal('item.updated'), item: ExecJsonItem }),
  z.strictObject({ type: z.literal('item.completed'), item: ExecJsonItem }),
  z.strictObject({ type: z.literal('turn.completed'), usage: Usage, cost: Cost.optional() }),
  z.strictObject({
    type: z.literal('turn.failed'),
    error: z.strictObject({ message: z.string() }),
    cost: Cost.optional(),
  }),
  z.strictObject({ type: z.literal('error'), message: z.string() }),
]);
export type ExecJsonEvent = z.infer<typeof ExecJsonEvent>;

/**
 * A sub-agent's line (Spool's addition): one of its item events, attributed to the agent on the
 * line and in the item, so a client that keeps only items (like the Codex SDK) keeps both.
 */
type Attributed<T> = T & { thread_id: string; agent_path: string };
export type ExecJsonAgentEvent = Attributed<
  Omit<Extract<ExecJsonEvent, { item: unknown }>, 'item'> & { item: Attributed<ExecJsonItem> }
>;
