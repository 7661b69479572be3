/**
 * Spool's event stream: what a running thread tells its front ends (exec, app-server, TUI).
 *
 * Shapes follow `codex exec --json` (thread/turn/item lifecycle with snake_case item types) so the
 * exec printer is a projection, and carry a little more (turn ids, deltas, cwd, diffs, retry state)
 * for the richer front ends. Every front end is a client of this one stream.
 */
import { z } from 'zod';
import { ReviewRiskLevel, ReviewUserAuthorization } from './auto-review.js';
import { CollabToolCallThreadItem } from './collab.js';
import { ContentPart, MessagePhase } from './items.js';
import { ReviewFeedback, ReviewResult, ReviewTarget } from './review.js';
import { Cost, Usage } from './usage.js';

const ItemStatus = z.enum(['in_progress', 'completed', 'failed']);

const AgentMessageThreadItem = z.object({
  id: z.string(),
  type: z.literal('agent_message'),
  text: z.string(),
  /** `commentary` (progress) or `final_answer`, when the model labels its messages. */
  phase: MessagePhase.optional(),
});

const ReasoningThreadItem = z.object({
  id: z.string(),
  type: z.literal('reasoning'),
  text: z.string(),
});

const CommandExecutionThreadItem = z.object({
  id: z.string(),
  type: z.literal('command_execution'),
  command: z.string(),
  aggregated_output: z.string(),
  exit_code: z.number().int().nullable(),
  status: z.enum(['in_progress', 'completed', 'failed', 'declined']),
  cwd: z.string().optional(),
  duration_ms: z.number().optional(),
});

const FileChangeKind = z.enum(['add', 'delete', 'update']);
export const FileChange = z.object({
  path: z.string(),
  kind: FileChangeKind,
  /** Destination of a move (`*** Move to:`), absolute. */
  move_path: z.string().optional(),
  /** Unified diff of this file, for UIs. */
  diff: z.string().optional(),
});
export type FileChange = z.infer<typeof FileChange>;

const FileChangeThreadItem = z.object({
  id: z.string(),
  type: z.literal('file_change'),
  changes: z.array(FileChange),
  status: ItemStatus,
  /** Why a failed patch failed: the text the model was given (nothing was changed). */
  error: z.object({ message: z.string() }).optional(),
});

const McpToolCallThreadItem = z.object({
  id: z.string(),
  type: z.literal('mcp_tool_call'),
  server: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  result: z.object({ content: z.array(z.unknown()), structured_content: z.unknown().nullable() }).nullable(),
  error: z.object({ message: z.string() }).nullable(),
  status: ItemStatus,
});

const TodoListThreadItem = z.object({
  id: z.string(),
  type: z.literal('todo_list'),
  items: z.array(
    z.object({
      text: z.string(),
      completed: z.boolean(),
      /** The step's state as the model gave it (`completed` alone cannot tell pending from in progress). */
      status: z.enum(['pending', 'in_progress', 'completed']).optional(),
    }),
  ),
  /** The model's note with this version of the plan (`update_plan`'s `explanation`). */
  explanation: z.string().optional(),
});

const ErrorThreadItem = z.object({
  id: z.string(),
  type: z.literal('error'),
  message: z.string(),
});

/** The history was compacted to fit the context window. */
const ContextCompactionThreadItem = z.object({
  id: z.string(),
  type: z.literal('context_compaction'),
  /** `auto` (the window filled), `manual` (asked for), `overflow` (the server said the input was too long). */
  trigger: z.enum(['auto', 'manual', 'overflow']),
  /** `remote`: the provider's /responses/compact; `local`: a checkpoint written by the model. */
  mode: z.enum(['remote', 'local']),
  status: ItemStatus,
  tokens_before: z.number().int(),
  tokens_after: z.number().int().nullable(),
});

/** What an automatic approval review looked at: the request as the tool asked it. */
export const ReviewedAction = z.object({
  kind: z.enum(['command', 'patch', 'mcp_tool_call']),
  /** The exact command vector (commands). */
  command: z.array(z.string()).optional(),
  display: z.string(),
  cwd: z.string(),
  /** Why approval was needed. */
  reason: z.string(),
  /** For patches: the files and kinds of change. */
  changes: z.array(FileChange.pick({ path: true, kind: true, move_path: true })).optional(),
  mcp_tool: z.object({ server: z.string(), tool: z.string(), arguments: z.unknown() }).optional(),
});
export type ReviewedAction = z.infer<typeof ReviewedAction>;

/**
 * An approval request decided by the automatic reviewer (`approvals_reviewer = "auto_review"`, the
 * guardian) instead of a person: started `in_progress`, completed with the decision and why.
 * `escalated`: the reviewer handed the question to the human (an `approval.requested` follows).
 */
const AutoApprovalReviewThreadItem = z.object({
  id: z.string(),
  type: z.literal('auto_approval_review'),
  /** The approval request reviewed. */
  approval_id: z.string(),
  /** The item the action appears as when it runs (a command or file change), if any. */
  target_item_id: z.string().optional(),
  action: ReviewedAction,
  status: z.enum(['in_progress', 'approved', 'denied', 'escalated', 'timed_out', 'aborted']),
  /** `user`: a person had approved this exact action once after the reviewer denied it. */
  decision_source: z.enum(['guardian', 'user']).optional(),
  risk_level: ReviewRiskLevel.optional(),
  user_authorization: ReviewUserAuthorization.optional(),
  rationale: z.string().optional(),
  started_at_ms: z.number().int(),
  completed_at_ms: z.number().int().optional(),
});

/** A code review began (`spool review`, `review/start`): `review` names what is reviewed, for people. */
const EnteredReviewModeThreadItem = z.object({
  id: z.string(),
  type: z.literal('entered_review_mode'),
  review: z.string(),
  target: ReviewTarget,
});

/**
 * A code review ended. `review` is the review rendered as Markdown; `result` the findings as data
 * (null when the reviewer gave none that could be read); `review_id` the reviewer's own session;
 * `notes` what was dropped from the reviewer's answer and why.
 */
const ExitedReviewModeThreadItem = z.object({
  id: z.string(),
  type: z.literal('exited_review_mode'),
  review: z.string(),
  review_id: z.string(),
  model: z.string(),
  result: ReviewResult.nullable(),
  notes: z.array(z.string()),
});

/** The plan a model in plan mode proposed (its `<proposed_plan>` block), for front ends to show as one. */
const PlanThreadItem = z.object({
  id: z.string(),
  type: z.literal('plan'),
  text: z.string(),
});

export const ThreadItem = z.discriminatedUnion('type', [
  AgentMessageThreadItem,
  ReasoningThreadItem,
  CommandExecutionThreadItem,
  FileChangeThreadItem,
  McpToolCallThreadItem,
  TodoListThreadItem,
  ErrorThreadItem,
  ContextCompactionThreadItem,
  AutoApprovalReviewThreadItem,
  EnteredReviewModeThreadItem,
  ExitedReviewModeThreadItem,
  PlanThreadItem,
  CollabToolCallThreadItem,
]);
export type ThreadItem = z.infer<typeof ThreadItem>;
export type ThreadItemOf<T extends ThreadItem['type']> = Extract<ThreadItem, { type: T }>;

export const TurnError = z.object({
  message: z.string(),
  /** The HTTP status of the failed request, when there was one. */
  status: z.number().int().optional(),
  /**
   * Machine-readable cause: `auth`, `rate_limit`, `context_length_exceeded`, `network`, `server`,
   * `budget_exceeded` (a `max_cost_usd` / `max_tokens` cap stopped the turn before a request), …
   */
  kind: z.string().optional(),
});
export type TurnError = z.infer<typeof TurnError>;

/** What a tool asks the user before doing something the policy does not allow by itself. */
export const ApprovalRequest = z.object({
  id: z.string(),
  /** `mcp_tool_call`: a call of an MCP server's tool (`mcp_tool` says which, with its arguments). */
  kind: z.enum(['command', 'patch', 'mcp_tool_call']),
  /** The exact command vector (commands), shown verbatim. */
  command: z.array(z.string()).optional(),
  /** The display form of the command, or a summary of the patch. */
  display: z.string(),
  cwd: z.string(),
  /** Why approval is needed (the policy's reason, or the model's justification). */
  reason: z.string(),
  /** The approval policy that asked. */
  policy: z.enum(['untrusted', 'on-failure', 'on-request', 'never']),
  /** For patches: the files and kinds of change. */
  changes: z.array(FileChange).optional(),
  /** The allow rule the user may choose to save with the approval (shown with the question), if any. */
  proposed_rule: z.array(z.string()).optional(),
  /** The display item the approved work will appear as (same id), so front ends can join them. */
  item_id: z.string().optional(),
  /** For MCP tool calls: the server, the tool (its own name) and the arguments, shown verbatim. */
  mcp_tool: z.object({ server: z.string(), tool: z.string(), arguments: z.unknown() }).optional(),
  /** False when "approve for this session" is not offered (the server's tools always ask). */
  session_approval: z.boolean().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

/**
 * `approved_execpolicy_amendment` (Codex's name): approved, and the request's `proposed_rule`,
 * which the question showed, is saved as an allow rule.
 */
export const ApprovalDecision = z.enum([
  'approved',
  'approved_for_session',
  'approved_execpolicy_amendment',
  'denied',
  'abort',
]);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** One question of `request_user_input` (Codex's shape); the user may also answer in their own words. */
export const UserInputQuestion = z.object({
  id: z.string(),
  header: z.string(),
  question: z.string(),
  options: z.array(z.object({ label: z.string(), description: z.string() })),
});
export type UserInputQuestion = z.infer<typeof UserInputQuestion>;

/** Question id → the answers: a chosen label and/or `user_note: <text>` (Codex's encoding). */
export const UserInputAnswers = z.record(z.string(), z.object({ answers: z.array(z.string()) }));
export type UserInputAnswers = z.infer<typeof UserInputAnswers>;

const UserInputRequest = z.object({
  id: z.string(),
  /** The tool call that asks (the app-server's `itemId`). */
  call_id: z.string(),
  questions: z.array(UserInputQuestion),
});

export const SpoolEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('thread.started'), thread_id: z.string() }),
  z.object({ type: z.literal('turn.started'), turn_id: z.string() }),
  z.object({ type: z.literal('item.started'), turn_id: z.string(), item: ThreadItem }),
  z.object({ type: z.literal('item.updated'), turn_id: z.string(), item: ThreadItem }),
  z.object({ type: z.literal('item.completed'), turn_id: z.string(), item: ThreadItem }),
  /** Streaming text for an item: assistant text, reasoning summary, or command output. */
  z.object({
    type: z.literal('item.delta'),
    turn_id: z.string(),
    item_id: z.string(),
    kind: z.enum(['agent_message', 'reasoning', 'command_output']),
    delta: z.string(),
  }),
  /** `cost`: the turn's (absent when the thread does not price its requests). */
  z.object({ type: z.literal('turn.completed'), turn_id: z.string(), usage: Usage, cost: Cost.optional() }),
  z.object({
    type: z.literal('turn.failed'),
    turn_id: z.string(),
    usage: Usage,
    error: TurnError,
    cost: Cost.optional(),
  }),
  z.object({ type: z.literal('turn.interrupted'), turn_id: z.string(), usage: Usage, cost: Cost.optional() }),
  /** Token usage of one model response, with the thread's running totals. */
  z.object({
    type: z.literal('usage.updated'),
    turn_id: z.string(),
    last: Usage,
    turn: Usage,
    thread: Usage,
    /** Estimated tokens the next request will carry, and the model's window. */
    context_tokens: z.number().int(),
    context_window: z.number().int(),
    /** What `last`, `turn` and `thread` cost. */
    cost: z.object({ last: Cost, turn: Cost, thread: Cost }).optional(),
  }),
  /** A retry in progress ("Reconnecting… 2/5"): visible, not fatal. */
  z.object({
    type: z.literal('stream.retrying'),
    turn_id: z.string(),
    attempt: z.number().int(),
    max_attempts: z.number().int(),
    delay_ms: z.number(),
    message: z.string(),
    /** What failed (a ModelErrorKind: `rate_limit`, `server`, `stream_closed`, …) and its HTTP status. */
    kind: z.string().optional(),
    status: z.number().int().optional(),
  }),
  /** A model request is about to be sent (`attempt` 0 first, then one more per retry). */
  z.object({ type: z.literal('request.started'), turn_id: z.string(), attempt: z.number().int() }),
  /**
   * The model's first output of this request arrived (text, reasoning, or the start of a tool call):
   * time to first token, whatever the response turns out to be.
   */
  z.object({ type: z.literal('request.first_output'), turn_id: z.string() }),
  /** A tool waits for the user's decision; answer with `Thread.resolveApproval(id, decision)`. */
  z.object({ type: z.literal('approval.requested'), turn_id: z.string(), request: ApprovalRequest }),
  z.object({
    type: z.literal('approval.resolved'),
    turn_id: z.string(),
    id: z.string(),
    decision: ApprovalDecision,
    /** Why it was decided without asking (no interactive front end, …). */
    reason: z.string().optional(),
  }),
  /** The model asks the user (request_user_input); answer with `Thread.resolveUserInput`. */
  z.object({ type: z.literal('user_input.requested'), turn_id: z.string(), request: UserInputRequest }),
  z.object({
    type: z.literal('user_input.resolved'),
    turn_id: z.string(),
    id: z.string(),
    /** Absent when no answer came (no one to ask, interrupted); `reason` says why. */
    answers: UserInputAnswers.optional(),
    reason: z.string().optional(),
  }),
  /** Input the user added to a running turn (steer), now in history before the next request. */
  z.object({ type: z.literal('input.steered'), turn_id: z.string(), content: z.array(ContentPart) }),
  /** A non-fatal problem the user should see (a warning); `guardian`: from the automatic reviewer. */
  z.object({ type: z.literal('warning'), message: z.string(), source: z.enum(['guardian']).optional() }),
  /** A person's reaction to a review finding, appended to the review's session log afterwards. */
  z.object({ type: z.literal('review.feedback'), feedback: ReviewFeedback }),
]);
export type SpoolEvent = z.infer<typeof SpoolEvent>;
export type SpoolEventOf<T extends SpoolEvent['type']> = Extract<SpoolEvent, { type: T }>;
