/**
 * Spool's event stream projected onto Codex's v2 notifications, for one thread.
 *
 * Most events map one to one. The rest keeps v2's guarantees that Spool's stream does not make:
 *
 * - Every item has `item/started` before `item/completed` (Spool reports some items only when they
 *   are done), and every started item is completed by the end of its turn.
 * - Item ids are unique within the thread across processes: `<turn id>-<Spool item id>`.
 * - A turn starts with a `userMessage` item holding the input.
 * - Approvals: v2 shows the pending command or file change as an item (`item/started`) and asks
 *   about that item id. Spool asks before the tool shows anything, so the projector shows the item
 *   itself from the approval request. When the user agrees, the tool's own item for the same
 *   command (or the next file change) takes over that id; when they decline, the item completes as
 *   `declined` at once, and the tool's own "declined" report of the same command is not repeated.
 * - Work outside a turn (manual compaction) is wrapped in a turn of its own; items reported for a
 *   turn that has ended are not shown (v2 has no items outside turns).
 */

import type { SpoolEvent, SpoolEventOf, ThreadItem } from '../protocol/events.js';
import { uuidv7 } from '../protocol/ids.js';
import type { ContentPart } from '../protocol/items.js';
import { visibleText } from '../text/terminal-safe.js';
import { REQUEST_USER_INPUT_METHOD, userInputRequestParams } from './user-input.js';
import { commandItem, displayItemId, fileChangeItem, userMessageId, v2Item } from './v2-items.js';
import { reviewNotification } from './v2-review.js';
import { costBreakdown, type Json, seconds, turnError, usageBreakdown, type V2Turn } from './v2-shapes.js';

export type Outgoing =
  | { kind: 'notify'; method: string; params: Json }
  /** A streaming delta of item `key` (droppable for a slow client, see outbound-queue.ts). */
  | { kind: 'delta'; key: string; method: string; params: { delta: string } & Json }
  | { kind: 'approval'; approvalId: string; method: string; params: Json }
  /** The approval was answered or withdrawn: `serverRequest/resolved` to every client asked. */
  | { kind: 'approvalResolved'; approvalId: string }
  /** request_user_input: a server request whose answer is the user's answers. */
  | { kind: 'userInput'; requestId: string; method: string; params: Json }
  | { kind: 'userInputResolved'; requestId: string };

interface OpenItem {
  v2Id: string;
  turnId: string;
  item: Json;
  /** Streamed text so far (messages, reasoning, command output). */
  text: string;
}

interface AskedItem {
  v2Id: string;
  turnId: string;
  kind: 'command' | 'patch';
  command: string;
  item: Json;
  /** The tool's own id for the item the approved work appears as, when the request said it. */
  spoolItemId?: string;
}

/**
 * The answers a client may give (Codex's `availableDecisions`): accept once or for the session, the
 * proposed rule when there is one, decline (the turn goes on), cancel (the turn stops).
 */
function availableDecisions(proposedRule: readonly string[] | undefined): Array<string | Json> {
  return [
    'accept',
    'acceptForSession',
    ...(proposedRule?.length
      ? [{ acceptWithExecpolicyAmendment: { execpolicy_amendment: [...proposedRule] } }]
      : []),
    'decline',
    'cancel',
  ];
}

/**
 * `turn/completed`'s turn carries the turn's final agent message, as Codex's does (the full item
 * list is `thread/read`'s); `itemsView` says the list is a summary.
 */
function turnWithFinalMessage(turn: V2Turn, finalMessage: Json | undefined): V2Turn {
  if (!finalMessage) return turn;
  return { ...turn, items: [finalMessage], itemsView: 'summary' };
}

const DELTA_METHODS = {
  agent_message: 'item/agentMessage/delta',
  reasoning: 'item/reasoning/summaryTextDelta',
  command_output: 'item/commandExecution/outputDelta',
} as const;

export class EventProjector {
  private turn: { id: string; startedAtMs: number; synthetic: boolean } | undefined;
  private readonly open = new Map<string, OpenItem>();
  private readonly asked = new Map<string, AskedItem>();
  /** MCP tool calls waiting for an answer (asked without an item). */
  private readonly mcpAsked = new Set<string>();
  /** request_user_input requests out (their ids). */
  private readonly questions = new Set<string>();
  /** Approved: the tool's next matching item takes this id. */
  private claims: AskedItem[] = [];
  /** Declined commands whose tool-side `declined` report is not shown again. */
  private declined: string[] = [];
  /** Declined requests that named their item: that item's own `declined` report is not shown again. */
  private declinedItems = new Set<string>();
  /** The last plan sent per todo_list item (JSON), so a repeat is not sent twice. */
  private readonly plans = new Map<string, string>();
  /** The turn's last finished agent message (carried by `turn/completed`, as Codex does). */
  private finalMessage: Json | undefined;
  private pendingInput: ContentPart[] | undefined;
  /** Completed turns with their items (kept for threads that have no log: ephemeral ones). */
  readonly turnLog: V2Turn[] | undefined;

  constructor(
    private readonly threadId: string,
    private readonly threadCwd: () => string,
    options: { keepTurns?: boolean; now?: () => number } = {},
  ) {
    this.turnLog = options.keepTurns ? [] : undefined;
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  get activeTurnId(): string | undefined {
    return this.turn?.id;
  }

  /** The last turn that started (kept after it ended: a turn may end before its start returns). */
  get lastStartedTurnId(): string | undefined {
    return this.lastStarted;
  }

  private lastStarted: string | undefined;

  private steeredCount = 0;

  /** The input of the turn about to start (shown as its `userMessage` item). */
  setNextInput(content: ContentPart[]): void {
    this.pendingInput = content;
  }

  project(original: SpoolEvent): Outgoing[] {
    const out: Outgoing[] = [];
    // Work the server wrapped in a turn of its own reports under that turn.
    const synthetic = this.turn?.synthetic ? this.turn.id : undefined;
    const event: SpoolEvent =
      synthetic && 'turn_id' in original && original.turn_id !== synthetic
        ? { ...original, turn_id: synthetic }
        : original;
    const threadId = this.threadId;
    switch (event.type) {
      case 'thread.started':
        break;
      case 'turn.started':
        this.beginTurn(event.turn_id, false, out);
        break;
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        // v2 has no items outside turns: a late report of a finished turn's item is not shown.
        if (this.turn?.id === event.turn_id) this.onItem(event, out);
        break;
      case 'input.steered':
        if (this.turn?.id === event.turn_id) {
          this.steeredCount++;
          this.userMessage(
            event.content,
            userMessageId(event.turn_id, this.steeredCount),
            event.turn_id,
            out,
          );
        }
        break;
      case 'item.delta': {
        const open = this.open.get(event.item_id);
        if (!open) break;
        open.text += event.delta;
        out.push({
          kind: 'delta',
          key: open.v2Id,
          method: DELTA_METHODS[event.kind],
          params: {
            threadId,
            turnId: open.turnId,
            itemId: open.v2Id,
            delta: event.delta,
            ...(event.kind === 'reasoning' ? { summaryIndex: 0 } : {}),
          },
        });
        break;
      }
      case 'usage.updated':
        out.push(
          this.notify('thread/tokenUsage/updated', {
            threadId,
            turnId: event.turn_id,
            tokenUsage: {
              total: usageBreakdown(event.thread),
              last: usageBreakdown(event.last),
              modelContextWindow: event.context_window,
              ...(event.cost
                ? {
                    cost: {
                      total: costBreakdown(event.cost.thread),
                      last: costBreakdown(event.cost.last),
                      turn: costBreakdown(event.cost.turn),
                    },
                  }
                : {}),
            },
          }),
        );
        break;
      case 'stream.retrying':
        out.push(
          this.notify('error', {
            threadId,
            turnId: event.turn_id,
            willRetry: true,
            error: { message: event.message, codexErrorInfo: null, additionalDetails: null },
          }),
        );
        break;
      case 'approval.requested':
        this.onApprovalRequested(event, out);
        break;
      case 'approval.resolved':
        this.onApprovalResolved(event, out);
        break;
      case 'user_input.requested':
        this.questions.add(event.request.id);
        out.push(this.status(['waitingOnUserInput']));
        out.push({
          kind: 'userInput',
          requestId: event.request.id,
          method: REQUEST_USER_INPUT_METHOD,
          params: userInputRequestParams(threadId, event),
        });
        break;
      case 'user_input.resolved':
        out.push({ kind: 'userInputResolved', requestId: event.id });
        if (this.questions.delete(event.id) && this.questions.size === 0 && this.turn)
          out.push(this.status(this.asked.size + this.mcpAsked.size > 0 ? ['waitingOnApproval'] : []));
        break;
      case 'turn.completed':
        this.endTurn(event.turn_id, 'completed', null, out);
        break;
      case 'turn.failed':
        out.push(
          this.notify('error', {
            threadId,
            turnId: event.turn_id,
            willRetry: false,
            error: turnError(event.error),
          }),
        );
        this.endTurn(event.turn_id, 'failed', turnError(event.error), out);
        break;
      case 'turn.interrupted':
        this.endTurn(event.turn_id, 'interrupted', null, out);
        break;
      case 'warning':
        // The automatic reviewer's warnings are Codex's `guardianWarning`.
        out.push(
          this.notify(event.source === 'guardian' ? 'guardianWarning' : 'warning', {
            threadId,
            message: event.message,
          }),
        );
        break;
    }
    return out;
  }

  /** Starts a turn around work the server does outside turns (compaction). */
  beginSyntheticTurn(): Outgoing[] {
    const out: Outgoing[] = [];
    if (!this.turn) this.beginTurn(uuidv7(), true, out);
    return out;
  }

  /** Ends a turn the server wrapped around work outside turns (compaction). */
  endSyntheticTurn(error: string | undefined): Outgoing[] {
    const out: Outgoing[] = [];
    if (!this.turn?.synthetic) return out;
    const failure =
      error === undefined ? null : { message: error, codexErrorInfo: 'other', additionalDetails: null };
    this.endTurn(this.turn.id, failure ? 'failed' : 'completed', failure, out);
    return out;
  }

  private notify(method: string, params: Json): Outgoing {
    return { kind: 'notify', method, params };
  }

  private turnObject(status: V2Turn['status'], error: Json | null, items: Json[] = []): V2Turn {
    const now = this.now();
    const turn = this.turn ?? { id: '', startedAtMs: now };
    const done = status !== 'inProgress';
    return {
      id: turn.id,
      items,
      status,
      error,
      startedAt: seconds(turn.startedAtMs),
      completedAt: done ? seconds(now) : null,
      durationMs: done ? Math.max(0, now - turn.startedAtMs) : null,
    };
  }

  private status(activeFlags: string[] | undefined): Outgoing {
    return this.notify('thread/status/changed', {
      threadId: this.threadId,
      status: activeFlags ? { type: 'active', activeFlags } : { type: 'idle' },
    });
  }

  private beginTurn(turnId: string, synthetic: boolean, out: Outgoing[]): void {
    this.turn = { id: turnId, startedAtMs: this.now(), synthetic };
    this.lastStarted = turnId;
    this.finalMessage = undefined;
    // Numbered within the turn, so a reader of the log gives each the same id (v2-items.ts).
    this.steeredCount = 0;
    out.push(
      this.notify('turn/started', { threadId: this.threadId, turn: this.turnObject('inProgress', null) }),
    );
    out.push(this.status([]));
    const input = this.pendingInput;
    this.pendingInput = undefined;
    if (input && !synthetic) this.userMessage(input, userMessageId(turnId, 0), turnId, out);
  }

  /** A `userMessage` item: the turn's input, or input steered into it. */
  private userMessage(input: ContentPart[], id: string, turnId: string, out: Outgoing[]): void {
    const content = input.map((part) =>
      part.type === 'input_image'
        ? { type: 'image', url: part.image_url }
        : { type: 'text', text: part.text, text_elements: [] },
    );
    const item = { type: 'userMessage', id, content };
    this.startItem(item, turnId, out);
    this.completeItem(item, turnId, out);
  }

  private endTurn(turnId: string, status: V2Turn['status'], error: Json | null, out: Outgoing[]): void {
    if (!this.turn || this.turn.id !== turnId)
      this.turn = { id: turnId, startedAtMs: this.now(), synthetic: false };
    const settled = status === 'completed' ? 'completed' : 'failed';
    for (const [spoolId, open] of this.open) {
      if (open.turnId !== turnId) continue;
      this.open.delete(spoolId);
      this.completeItem(this.finalState(open, settled), turnId, out);
    }
    for (const claim of this.claims.filter((c) => c.turnId === turnId))
      this.completeItem({ ...claim.item, status: settled }, turnId, out);
    this.claims = this.claims.filter((c) => c.turnId !== turnId);
    for (const id of this.mcpAsked) out.push({ kind: 'approvalResolved', approvalId: id });
    this.mcpAsked.clear();
    for (const [id, asked] of this.asked) {
      if (asked.turnId !== turnId) continue;
      this.asked.delete(id);
      out.push({ kind: 'approvalResolved', approvalId: id });
      this.completeItem({ ...asked.item, status: 'declined' }, turnId, out);
    }
    this.declined = [];
    this.declinedItems.clear();
    this.plans.clear();
    const turn = turnWithFinalMessage(this.turnObject(status, error), this.finalMessage);
    this.finalMessage = undefined;
    const logged = this.loggedTurn(turnId);
    if (logged) Object.assign(logged, { ...this.turnObject(status, error), items: logged.items });
    out.push(this.notify('turn/completed', { threadId: this.threadId, turn }));
    out.push(this.status(undefined));
    this.turn = undefined;
  }

  /** An item that never got its completion: what was streamed, marked as not finished. */
  private finalState(open: OpenItem, settled: 'completed' | 'failed'): Json {
    switch (open.item.type) {
      case 'agentMessage':
        return { ...open.item, text: open.text };
      case 'reasoning':
        return { ...open.item, summary: open.text === '' ? [] : [open.text] };
      case 'commandExecution':
        return { ...open.item, status: 'failed', aggregatedOutput: open.text };
      case 'fileChange':
      case 'mcpToolCall':
        return { ...open.item, status: settled === 'completed' ? 'completed' : 'failed' };
      default:
        return open.item;
    }
  }

  private startItem(item: Json, turnId: string, out: Outgoing[], startedAtMs = this.now()): void {
    out.push(this.notify('item/started', { threadId: this.threadId, turnId, startedAtMs, item }));
  }

  private completeItem(item: Json, turnId: string, out: Outgoing[]): void {
    out.push(
      this.notify('item/completed', { threadId: this.threadId, turnId, completedAtMs: this.now(), item }),
    );
    this.loggedTurn(turnId)?.items.push(item);
  }

  /** The kept record of a turn (ephemeral threads only). */
  private loggedTurn(turnId: string): V2Turn | undefined {
    const log = this.turnLog;
    if (!log) return undefined;
    let turn = log[log.length - 1];
    if (!turn || turn.id !== turnId) {
      turn = { ...this.turnObject('inProgress', null), id: turnId };
      log.push(turn);
    }
    return turn;
  }

  /**
   * The approved request a tool item continues, if any: the one that named this item's id, else
   * (a tool that did not say) the first with the same command, or the first patch.
   */
  private takeClaim(item: ThreadItem, turnId: string): AskedItem | undefined {
    const exact = this.claims.findIndex((claim) => claim.spoolItemId === item.id);
    if (exact >= 0) return this.claims.splice(exact, 1)[0];
    const index = this.claims.findIndex(
      (claim) =>
        claim.turnId === turnId &&
        claim.spoolItemId === undefined &&
        ((item.type === 'command_execution' && claim.kind === 'command' && claim.command === item.command) ||
          (item.type === 'file_change' && claim.kind === 'patch')),
    );
    if (index < 0) return undefined;
    return this.claims.splice(index, 1)[0];
  }

  private onItem(
    event: SpoolEventOf<'item.started' | 'item.updated' | 'item.completed'>,
    out: Outgoing[],
  ): void {
    const { item } = event;
    const turnId = event.turn_id;
    if (item.type === 'todo_list') {
      const params = {
        threadId: this.threadId,
        turnId,
        explanation: item.explanation ?? null,
        plan: item.items.map((entry) => ({
          step: entry.text,
          status: entry.completed ? 'completed' : entry.status === 'in_progress' ? 'inProgress' : 'pending',
        })),
      };
      // Each update_plan call is one update; the plan's completion when the turn ends repeats the
      // last one and is not sent again.
      const shown = JSON.stringify(params);
      if (event.type === 'item.completed' && this.plans.get(item.id) === shown) return;
      this.plans.set(item.id, shown);
      out.push(this.notify('turn/plan/updated', params));
      return;
    }
    if (item.type === 'error') {
      out.push(this.notify('warning', { threadId: this.threadId, message: item.message }));
      return;
    }
    if (item.type === 'auto_approval_review') {
      // Not an item of the turn in v2: its own notifications, joined to the action's item.
      if (event.type === 'item.updated') return;
      const target = item.target_item_id ? displayItemId(turnId, item.target_item_id) : null;
      const { method, params } = reviewNotification(item, this.threadId, turnId, target);
      out.push(this.notify(method, params));
      return;
    }
    let open = this.open.get(item.id);
    if (!open) {
      if (event.type === 'item.completed' && this.declinedItems.delete(item.id)) return;
      if (
        event.type === 'item.completed' &&
        item.type === 'command_execution' &&
        item.status === 'declined'
      ) {
        const index = this.declined.indexOf(item.command);
        if (index >= 0) {
          this.declined.splice(index, 1);
          return;
        }
      }
      const claim = this.takeClaim(item, turnId);
      const v2Id = claim?.v2Id ?? displayItemId(turnId, item.id);
      const shaped = v2Item(item, v2Id, this.threadCwd());
      if (!shaped) return;
      open = { v2Id, turnId, item: shaped, text: '' };
      this.open.set(item.id, open);
      if (!claim) this.startItem(shaped, turnId, out);
    }
    const shaped = v2Item(item, open.v2Id, this.threadCwd());
    if (!shaped) return;
    open.item = shaped;
    if (event.type !== 'item.completed') return;
    this.open.delete(item.id);
    this.completeItem(shaped, turnId, out);
    if (item.type === 'agent_message') this.finalMessage = shaped;
    if (item.type === 'context_compaction' && item.status === 'completed')
      out.push(this.notify('thread/compacted', { threadId: this.threadId, turnId }));
  }

  /**
   * An MCP tool call to approve: Codex asks with an MCP elicitation in form mode (no item is shown
   * until the call runs); `_meta` names the tool and its arguments, and `persist` says whether
   * "for this session" may be answered.
   */
  private askMcpToolCall(event: SpoolEventOf<'approval.requested'>, out: Outgoing[]): void {
    const { request } = event;
    const call = request.mcp_tool ?? { server: '', tool: request.display, arguments: null };
    this.mcpAsked.add(request.id);
    if (this.asked.size + this.mcpAsked.size === 1) out.push(this.status(['waitingOnApproval']));
    out.push({
      kind: 'approval',
      approvalId: request.id,
      method: 'mcpServer/elicitation/request',
      params: {
        threadId: this.threadId,
        turnId: event.turn_id,
        serverName: call.server,
        mode: 'form',
        message: `Allow the MCP tool "${call.tool}" of server "${call.server}" to run with ${JSON.stringify(call.arguments)}? ${request.reason}`,
        requestedSchema: { type: 'object', properties: {} },
        _meta: {
          codex_approval_kind: 'mcp_tool_call',
          persist: request.session_approval === false ? [] : ['session'],
          tool_name: call.tool,
          tool_params: call.arguments as Json,
        },
      },
    });
  }

  private onApprovalRequested(event: SpoolEventOf<'approval.requested'>, out: Outgoing[]): void {
    const { request } = event;
    if (request.kind === 'mcp_tool_call') {
      this.askMcpToolCall(event, out);
      return;
    }
    const kind = request.kind;
    const turnId = event.turn_id;
    // The id of the item the approved work appears as, when the tool said which: one id forever.
    const v2Id = displayItemId(turnId, request.item_id ?? request.id);
    const startedAtMs = this.now();
    const command = request.display;
    const item =
      request.kind === 'command'
        ? commandItem({
            id: v2Id,
            command,
            cwd: request.cwd,
            status: 'in_progress',
            aggregatedOutput: null,
            exitCode: null,
            durationMs: null,
          })
        : fileChangeItem(v2Id, request.changes ?? [], 'in_progress');
    this.asked.set(request.id, {
      v2Id,
      turnId,
      kind,
      command,
      item,
      ...(request.item_id ? { spoolItemId: request.item_id } : {}),
    });
    this.startItem(item, turnId, out, startedAtMs);
    if (this.asked.size + this.mcpAsked.size === 1) out.push(this.status(['waitingOnApproval']));
    // What a client shows the person to approve: every hidden character visible (terminal-safe.ts).
    const shown = visibleText(command, { keepNewlines: true });
    const reason = visibleText(request.reason, { keepNewlines: true });
    const params: Json =
      request.kind === 'command'
        ? {
            threadId: this.threadId,
            turnId,
            itemId: v2Id,
            startedAtMs,
            reason,
            command: shown,
            cwd: request.cwd,
            commandActions: [{ type: 'unknown', command: shown }],
            proposedExecpolicyAmendment: request.proposed_rule ?? null,
            availableDecisions: availableDecisions(request.proposed_rule),
          }
        : {
            threadId: this.threadId,
            turnId,
            itemId: v2Id,
            startedAtMs,
            reason,
            grantRoot: null,
            availableDecisions: availableDecisions(undefined),
          };
    out.push({
      kind: 'approval',
      approvalId: request.id,
      method:
        request.kind === 'command'
          ? 'item/commandExecution/requestApproval'
          : 'item/fileChange/requestApproval',
      params,
    });
  }

  private onApprovalResolved(event: SpoolEventOf<'approval.resolved'>, out: Outgoing[]): void {
    const asked = this.asked.get(event.id);
    out.push({ kind: 'approvalResolved', approvalId: event.id });
    if (this.mcpAsked.delete(event.id)) {
      if (this.asked.size + this.mcpAsked.size === 0 && this.turn) out.push(this.status([]));
      return;
    }
    if (!asked) return;
    this.asked.delete(event.id);
    if (event.decision !== 'denied' && event.decision !== 'abort') this.claims.push(asked);
    else {
      if (asked.spoolItemId !== undefined) this.declinedItems.add(asked.spoolItemId);
      else if (asked.kind === 'command') this.declined.push(asked.command);
      this.completeItem({ ...asked.item, status: 'declined' }, asked.turnId, out);
    }
    if (this.asked.size + this.mcpAsked.size === 0 && this.turn) out.push(this.status([]));
  }
}
