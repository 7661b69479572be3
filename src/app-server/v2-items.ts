/**
 * Items in Codex's v2 shapes: Spool's display items as they stream (`v2Item`), and the items of
 * a recorded turn rebuilt from its history (`HistoryTurnItems`) for `thread/read`, `thread/resume`
 * and `thread/fork`.
 */

import { isUserPrompt } from '../context/checkpoint.js';
import type {
  CollabAgentTool,
  CommandExecutionThreadItem,
  FileChangeThreadItem,
  MessagePhase,
  PatchChangeKind,
  UserInput,
  CollabAgentStatus as V2CollabAgentStatus,
  ThreadItem as V2ThreadItem,
} from '../protocol/app-server-v2.js';
import type { CollabAgentStatus, CollabTool } from '../protocol/collab.js';
import { expectSyntaxError } from '../protocol/errors.js';
import type { FileChange, ThreadItem } from '../protocol/events.js';
import type { ContentPart, HistoryItem, ToolCallItem, ToolOutputItem } from '../protocol/items.js';
import { parsePatch } from '../tools/apply-patch/parser.js';
import { displayCommand } from '../tools/shell/command-line.js';

const STATUS = {
  in_progress: 'inProgress',
  completed: 'completed',
  failed: 'failed',
  declined: 'declined',
} as const;

const PHASES: ReadonlySet<string> = new Set<MessagePhase>(['commentary', 'partial_answer', 'final_answer']);

/** A message's phase as v2 knows it; a phase v2 does not name is unknown (null). */
function v2Phase(phase: string | undefined): MessagePhase | null {
  return phase !== undefined && PHASES.has(phase) ? (phase as MessagePhase) : null;
}

function changeKind(change: FileChange): PatchChangeKind {
  if (change.kind === 'update') return { type: 'update', move_path: change.move_path ?? null };
  return { type: change.kind };
}

export function commandItem(fields: {
  id: string;
  command: string;
  cwd: string;
  status: keyof typeof STATUS;
  aggregatedOutput: string | null;
  exitCode: number | null;
  durationMs: number | null;
}): CommandExecutionThreadItem {
  return {
    type: 'commandExecution',
    id: fields.id,
    command: fields.command,
    cwd: fields.cwd,
    processId: null,
    source: 'agent',
    status: STATUS[fields.status],
    commandActions: [{ type: 'unknown', command: fields.command }],
    aggregatedOutput: fields.aggregatedOutput,
    exitCode: fields.exitCode,
    durationMs: fields.durationMs,
  };
}

export function fileChangeItem(
  id: string,
  changes: readonly FileChange[],
  status: keyof typeof STATUS,
): FileChangeThreadItem {
  return {
    type: 'fileChange',
    id,
    changes: changes.map((change) => ({
      path: change.path,
      kind: changeKind(change),
      diff: change.diff ?? '',
    })),
    status: STATUS[status],
  };
}

const COLLAB_TOOL: Record<CollabTool, CollabAgentTool> = {
  spawn_agent: 'spawnAgent',
  send_message: 'sendMessage',
  followup_task: 'followupTask',
  wait: 'wait',
  interrupt_agent: 'interruptAgent',
  list_agents: 'listAgents',
};

const AGENT_STATUS: Record<CollabAgentStatus, V2CollabAgentStatus> = {
  pending_init: 'pendingInit',
  running: 'running',
  interrupted: 'interrupted',
  completed: 'completed',
  errored: 'errored',
  shutdown: 'shutdown',
  not_found: 'notFound',
};

/**
 * A Spool display item as a v2 item, with the id the client sees. Undefined for the kinds v2 shows
 * otherwise (`todo_list` → `turn/plan/updated`, `error` → `warning`).
 */
export function v2Item(item: ThreadItem, id: string, threadCwd: string): V2ThreadItem | undefined {
  switch (item.type) {
    case 'agent_message':
      return { type: 'agentMessage', id, text: item.text, phase: v2Phase(item.phase) };
    case 'reasoning':
      return { type: 'reasoning', id, summary: item.text === '' ? [] : [item.text], content: [] };
    case 'command_execution':
      return commandItem({
        id,
        command: item.command,
        cwd: item.cwd ?? threadCwd,
        status: item.status,
        aggregatedOutput: item.status === 'in_progress' ? null : item.aggregated_output,
        exitCode: item.exit_code,
        durationMs: item.duration_ms === undefined ? null : Math.round(item.duration_ms),
      });
    case 'file_change':
      return fileChangeItem(id, item.changes, item.status);
    case 'mcp_tool_call':
      return {
        type: 'mcpToolCall',
        id,
        server: item.server,
        tool: item.tool,
        status: STATUS[item.status],
        arguments: item.arguments ?? null,
        result: item.result
          ? { content: item.result.content, structuredContent: item.result.structured_content ?? null }
          : null,
        error: item.error,
        durationMs: null,
      };
    case 'context_compaction':
      return { type: 'contextCompaction', id };
    case 'entered_review_mode':
      // Codex's shape, plus the target as data.
      return { type: 'enteredReviewMode', id, review: item.review, target: item.target };
    case 'exited_review_mode':
      // Codex's shape (the rendered review), plus Spool's findings as data.
      return {
        type: 'exitedReviewMode',
        id,
        review: item.review,
        reviewId: item.review_id,
        model: item.model,
        result: item.result,
        notes: item.notes,
      };
    case 'plan':
      return { type: 'plan', id, text: item.text };
    case 'collab_tool_call':
      // Codex's collabAgentToolCall: the tool and statuses in camelCase, states by thread id.
      return {
        type: 'collabAgentToolCall',
        id,
        tool: COLLAB_TOOL[item.tool],
        status: STATUS[item.status],
        senderThreadId: item.sender_thread_id,
        receiverThreadIds: item.receiver_thread_ids,
        prompt: item.prompt,
        model: null,
        reasoningEffort: null,
        agentsStates: Object.fromEntries(
          Object.entries(item.agents_states).map(([threadId, state]) => [
            threadId,
            { status: AGENT_STATUS[state.status], message: state.message },
          ]),
        ),
      };
    case 'todo_list':
    case 'error':
    // Reviews are `item/autoApprovalReview/*` notifications, not items of the turn.
    case 'auto_approval_review':
      return undefined;
  }
}

function userContent(parts: readonly ContentPart[]): UserInput[] {
  return parts.flatMap((part): UserInput[] => {
    if (part.type === 'input_image') return [{ type: 'image', url: part.image_url }];
    return [{ type: 'text', text: part.text, text_elements: [] }];
  });
}

function outputText(item: ToolOutputItem): string {
  if (typeof item.output === 'string') return item.output;
  return item.output.map((part) => (part.type === 'input_text' ? part.text : '[image]')).join('\n');
}

function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    expectSyntaxError(err);
    return raw;
  }
}

/** The command a shell-family call ran, as displayed; undefined when the call is not one. */
function shellCommand(call: ToolCallItem): { command: string; workdir?: string } | undefined {
  if (call.type !== 'function_call') return undefined;
  const args = parseArguments(call.arguments) as Record<string, unknown> | undefined;
  if (!args || typeof args !== 'object') return undefined;
  const workdir = typeof args.workdir === 'string' ? args.workdir : undefined;
  if (call.name === 'shell' && Array.isArray(args.command))
    return { command: displayCommand(args.command.map(String)), workdir };
  if (call.name === 'shell_command' && typeof args.command === 'string')
    return { command: args.command, workdir };
  if (call.name === 'exec_command' && typeof args.cmd === 'string') return { command: args.cmd, workdir };
  return undefined;
}

function patchText(call: ToolCallItem): string | undefined {
  if (call.name !== 'apply_patch') return undefined;
  if (call.type === 'custom_tool_call') return call.input;
  const args = parseArguments(call.arguments) as { input?: unknown } | undefined;
  return typeof args?.input === 'string' ? args.input : undefined;
}

function patchChanges(patch: string, cwd: string): FileChange[] {
  const parsed = parsePatch(patch);
  if (!parsed.ok) return [];
  const absolute = (p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`);
  return parsed.value.hunks.map((hunk) => ({
    path: absolute(hunk.path),
    kind: hunk.type,
    ...(hunk.type === 'update' && hunk.movePath ? { move_path: absolute(hunk.movePath) } : {}),
  }));
}

/** The id of a turn's n-th user prompt (0: its input, then what was steered into it), live and read alike. */
export function userMessageId(turnId: string, n: number): string {
  return n === 0 ? `${turnId}-input` : `${turnId}-steer-${n}`;
}

/** The id of a Spool display item in a turn, live and read alike. */
export function displayItemId(turnId: string, spoolItemId: string): string {
  return `${turnId}-${spoolItemId}`;
}

/**
 * Builds one recorded turn's v2 items for `thread/read`, `thread/resume` and `thread/fork`, with the
 * ids the live notifications had: the user's prompts (input, then steers) from the committed
 * history, and every other item from the finished display items the log keeps (format.ts), shaped
 * by the same `v2Item` as live. Logs written before display items were kept fall back to items
 * rebuilt from the history (ids `<turn>-h<n>`).
 */
export class RecordedTurnItems {
  private readonly recorded: V2ThreadItem[] = [];
  private readonly history: HistoryTurnItems;
  private prompts = 0;
  private hasDisplayItems = false;
  private ended = false;

  constructor(
    private readonly turnId: string,
    private readonly cwd: string,
  ) {
    this.history = new HistoryTurnItems(turnId, cwd, (content) => this.prompt(content));
  }

  /** Items committed to history during the turn. */
  committed(item: HistoryItem): void {
    if (!this.ended) this.history.add(item);
  }

  /** A finished display item the log kept (`item.completed` events). */
  displayItem(item: ThreadItem): void {
    if (this.ended) return;
    if (item.type !== 'context_compaction') this.hasDisplayItems = true;
    const shaped = v2Item(item, displayItemId(this.turnId, item.id), this.cwd);
    if (shaped) this.recorded.push(shaped);
  }

  /** The turn's outcome: later reports belong to no turn (the live stream drops them too). */
  end(): void {
    this.ended = true;
  }

  private prompt(content: readonly ContentPart[]): V2ThreadItem {
    const item: V2ThreadItem = {
      type: 'userMessage',
      id: userMessageId(this.turnId, this.prompts++),
      content: userContent(content),
    };
    this.recorded.push(item);
    return item;
  }

  get items(): V2ThreadItem[] {
    return this.hasDisplayItems ? this.recorded : this.history.items;
  }
}

/** Builds one recorded turn's v2 items from the history items committed during it (older logs). */
class HistoryTurnItems {
  readonly items: V2ThreadItem[] = [];
  private readonly calls = new Map<string, ToolCallItem>();
  private counter = 0;

  constructor(
    private readonly turnId: string,
    private readonly cwd: string,
    /** The userMessage item of a prompt the user typed (context messages Spool added are not shown). */
    private readonly prompt: (content: readonly ContentPart[]) => V2ThreadItem,
  ) {}

  private nextId(): string {
    return `${this.turnId}-h${this.counter++}`;
  }

  add(item: HistoryItem): void {
    switch (item.type) {
      case 'message':
        if (item.role === 'user') {
          if (isUserPrompt(item)) this.items.push(this.prompt(item.content));
        } else if (item.role === 'assistant') {
          const text = item.content.map((part) => (part.type === 'input_image' ? '' : part.text)).join('');
          this.items.push({ type: 'agentMessage', id: this.nextId(), text, phase: v2Phase(item.phase) });
        }
        return;
      case 'reasoning':
        this.items.push({
          type: 'reasoning',
          id: this.nextId(),
          summary: item.summary.map((part) => part.text),
          content: (item.content ?? []).map((part) => part.text),
        });
        return;
      case 'function_call':
      case 'custom_tool_call':
        this.calls.set(item.call_id, item);
        return;
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const call = this.calls.get(item.call_id);
        if (call) this.items.push(this.toolItem(call, outputText(item)));
        return;
      }
      case 'compaction':
        this.items.push({ type: 'contextCompaction', id: this.nextId() });
        return;
    }
  }

  private toolItem(call: ToolCallItem, output: string): V2ThreadItem {
    const id = this.nextId();
    const shell = shellCommand(call);
    if (shell) {
      const exit = /^(?:Exit code:|Process exited with code) (-?\d+)/m.exec(output);
      const exitCode = exit ? Number(exit[1]) : null;
      return commandItem({
        id,
        command: shell.command,
        cwd: shell.workdir
          ? shell.workdir.startsWith('/')
            ? shell.workdir
            : `${this.cwd}/${shell.workdir}`
          : this.cwd,
        status: exitCode === null || exitCode === 0 ? 'completed' : 'failed',
        aggregatedOutput: output,
        exitCode,
        durationMs: null,
      });
    }
    const patch = patchText(call);
    if (patch !== undefined)
      return fileChangeItem(
        id,
        patchChanges(patch, this.cwd),
        output.startsWith('Success') ? 'completed' : 'failed',
      );
    return {
      type: 'dynamicToolCall',
      id,
      tool: call.name,
      arguments: call.type === 'function_call' ? parseArguments(call.arguments) : call.input,
      status: 'completed',
      contentItems: [{ type: 'inputText', text: output }],
      success: null,
      durationMs: null,
    };
  }
}
