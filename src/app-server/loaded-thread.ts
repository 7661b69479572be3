/**
 * A thread this server has in memory: the Spool `Thread`, the connections subscribed to it, its
 * event projection, the approval requests it has out, and what runs on it (a turn or compaction).
 *
 * A thread stays loaded while some connection is subscribed; when the last one leaves, the
 * thread manager closes it (its rollout keeps everything; `thread/resume` loads it again).
 */

import type { Thread } from '../agent/thread.js';
import type { CliFlags, Runtime } from '../config/runtime.js';
import type { AttachedGuardian } from '../guardian/attach.js';
import { prepareOutputSchema } from '../model/output-schema.js';
import type { ThreadActiveFlag } from '../protocol/app-server-v2.js';
import type { SpawnOrigin } from '../protocol/collab.js';
import type { ApprovalDecision, SpoolEvent } from '../protocol/events.js';
import type { ContentPart } from '../protocol/items.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { emptyUsage } from '../protocol/usage.js';
import type { Session } from '../session/recorded.js';
import { VERSION } from '../version.js';
import type { Connection } from './connection.js';
import { contentFromInput, skillsFromInput } from './input.js';
import { invalidParams, invalidRequest, type RequestId } from './jsonrpc.js';
import type { TurnStartParams } from './params.js';
import { EventProjector, type Outgoing } from './projector.js';
import { loadThreadRuntime, type ServerContext, threadFlags } from './runtime.js';
import { answersFromClient } from './user-input.js';
import type { V2NotificationMethod, V2NotificationParams, V2ServerRequest } from './v2-messages.js';
import { sandboxPolicyIn, seconds, type ThreadInfo, type V2ThreadStatus, type V2Turn } from './v2-shapes.js';

interface LoadedThreadInit {
  thread: Thread;
  /** The recorded session; absent for ephemeral threads. */
  session?: Session;
  ctx: ServerContext;
  flags: CliFlags;
  modelProvider: string;
  createdAtMs: number;
  forkedFromId?: string;
  git?: ThreadInfo['git'];
  preview?: string;
  /**
   * Work left from an earlier run, done before the first turn (a media session collects the
   * generations that were in flight); the note it returns goes before that turn's input.
   */
  beforeFirstTurn?: (signal: AbortSignal) => Promise<string | undefined>;
  /** A sub-agent's thread: where its parent spawned it. */
  spawnedFrom?: SpawnOrigin;
}

/** Codex's approval answers as Spool's decisions. */
function decisionOf(answer: unknown): ApprovalDecision | undefined {
  // An MCP elicitation's answer (MCP tool call approvals): `_meta.persist` "session" remembers it.
  const elicited = answer as { action?: unknown; _meta?: { persist?: unknown } | null } | null;
  switch (elicited?.action) {
    case 'accept':
      return elicited._meta?.persist === 'session' ? 'approved_for_session' : 'approved';
    case 'decline':
      return 'denied';
    case 'cancel':
      return 'abort';
  }
  const decision = (answer as { decision?: unknown } | null)?.decision;
  switch (decision) {
    case 'accept':
      return 'approved';
    case 'acceptForSession':
      return 'approved_for_session';
    case 'decline':
      return 'denied';
    case 'cancel':
      return 'abort';
  }
  if (decision && typeof decision === 'object') {
    // The rule saved is the one the request proposed (and the client showed).
    if ('acceptWithExecpolicyAmendment' in decision) return 'approved_execpolicy_amendment';
    if ('applyNetworkPolicyAmendment' in decision) return 'approved';
  }
  return undefined;
}

export class LoadedThread {
  readonly id: string;
  readonly thread: Thread;
  readonly session: Session | undefined;
  private readonly projector: EventProjector;
  private guardian: AttachedGuardian | undefined;
  private readonly subscribers = new Set<Connection>();
  /** Approval id → the request each connection was sent. */
  private readonly approvals = new Map<string, Map<Connection, RequestId>>();
  /** The ids in `approvals` that are request_user_input questions (answered with answers). */
  private readonly questions = new Set<string>();
  /** Notifications held back until a response has gone out (see `startTurn`). */
  private held: Outgoing[] | undefined;
  private busy: 'turn' | 'compact' | undefined;
  /** Settles when what runs (`runTurn`, `compact`) has returned. */
  private work: Promise<void> | undefined;
  private explicitSandbox = false;
  /** The spend caps configuration gave the thread (turn/start's caps apply to one turn). */
  private configuredBudget: { budget: ThreadSettings['budget'] } | undefined;
  private flags: CliFlags;
  private preview: string;
  private updatedAtMs: number;
  private closing: Promise<void> | undefined;
  private beforeFirstTurn: LoadedThreadInit['beforeFirstTurn'];
  private readonly closed = new AbortController();

  /** The provider id the thread's model runs on. */
  get modelProvider(): string {
    return this.init.modelProvider;
  }

  constructor(private readonly init: LoadedThreadInit) {
    this.thread = init.thread;
    this.id = init.thread.id;
    this.session = init.session;
    this.flags = init.flags;
    this.preview = init.preview ?? '';
    this.updatedAtMs = init.createdAtMs;
    this.beforeFirstTurn = init.beforeFirstTurn;
    this.projector = new EventProjector(this.id, () => this.thread.settings.cwd, {
      keepTurns: !init.session,
    });
    this.thread.subscribe((event) => this.onEvent(event));
  }

  get settings(): ThreadSettings {
    return this.thread.settings;
  }

  /** The guardian reviewing this thread's approvals (`approvals_reviewer = "auto_review"`), if any. */
  setGuardian(guardian: AttachedGuardian | undefined): void {
    this.guardian = guardian;
  }

  /**
   * `thread/approveGuardianDeniedAction`: a person approves, once, an action the guardian denied
   * (the review's id). False when this thread has no such denial.
   */
  approveGuardianDenied(reviewId: string): boolean {
    return this.guardian?.reviewer.approveDenied(reviewId) ?? false;
  }

  get activeTurnId(): string | undefined {
    return this.projector.activeTurnId;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  info(): ThreadInfo {
    return {
      id: this.id,
      createdAt: seconds(this.init.createdAtMs),
      updatedAt: seconds(this.updatedAtMs),
      cwd: this.settings.cwd,
      model: this.settings.model,
      modelProvider: this.init.modelProvider,
      preview: this.preview,
      path: this.session?.path ?? null,
      ephemeral: !this.session,
      forkedFromId: this.init.forkedFromId ?? null,
      git: this.init.git,
      cliVersion: VERSION,
      source: 'appServer',
      reasoningEffort: this.settings.reasoning?.effort ?? null,
      ...(this.init.spawnedFrom ? { spawnedFrom: this.init.spawnedFrom } : {}),
    };
  }

  status(): V2ThreadStatus {
    if (!this.activeTurnId) return { type: 'idle' };
    const flags: ThreadActiveFlag[] = [];
    if (this.approvals.size > this.questions.size) flags.push('waitingOnApproval');
    if (this.questions.size > 0) flags.push('waitingOnUserInput');
    return { type: 'active', activeFlags: flags };
  }

  /** Turns of an ephemeral thread (recorded threads are read from their rollout). */
  get liveTurns(): V2Turn[] {
    return this.projector.turnLog ?? [];
  }

  subscribe(connection: Connection): void {
    this.subscribers.add(connection);
  }

  /** Returns true when no connection is left. */
  unsubscribe(connection: Connection): boolean {
    this.subscribers.delete(connection);
    for (const [approvalId, sent] of this.approvals) {
      if (!sent.delete(connection)) continue;
      if (sent.size === 0) this.noAnswer(approvalId, 'every client that was asked has disconnected');
    }
    return this.subscribers.size === 0;
  }

  /** The connections subscribed now (a sub-agent's thread is shown to its parent's). */
  get connections(): Connection[] {
    return [...this.subscribers];
  }

  hasSubscriber(connection: Connection): boolean {
    return this.subscribers.has(connection);
  }

  /** Sends to every subscriber (thread lifecycle notifications from the thread methods). */
  notifyAll<M extends V2NotificationMethod>(method: M, params: V2NotificationParams<M>): void {
    for (const connection of this.subscribers) connection.notify(method, params);
  }

  /** Adds input to the running turn (turn/steer); the turn id, or undefined when none runs. */
  steer(input: TurnStartParams['input']): string | undefined {
    return this.thread.steer(contentFromInput(input, this.settings.cwd));
  }

  /**
   * Starts a turn. Its notifications are held until `release` runs, so the client reads the
   * `turn/start` response (with the turn id) before `turn/started`.
   */
  async startTurn(params: TurnStartParams): Promise<{ turn: V2Turn; release: () => void }> {
    await this.readyForTurn();
    this.applyOverrides(params);
    const pending = this.beforeFirstTurn;
    this.beforeFirstTurn = undefined;
    const note = await pending?.(this.closed.signal);
    const content = [
      ...(note ? [{ type: 'input_text' as const, text: note }] : []),
      ...contentFromInput(params.input, this.settings.cwd),
    ];
    if (!this.preview) {
      const text = params.input.find((item) => item.type === 'text');
      if (text?.type === 'text') this.preview = text.text.slice(0, 240);
    }
    return this.runAsTurn(content, () =>
      this.thread.runTurn(content, { skills: skillsFromInput(params.input) }),
    );
  }

  /**
   * Starts a turn whose work `run` does on the thread (a review: `Thread.runDelegatedTurn`), shown
   * like any turn; `input` is what the turn's user message shows. Held like `startTurn`'s.
   */
  async startDelegatedTurn(
    input: string,
    run: (thread: Thread) => Promise<unknown>,
  ): Promise<{ turn: V2Turn; release: () => void }> {
    await this.readyForTurn();
    if (!this.preview) this.preview = input.slice(0, 240);
    return this.runAsTurn([{ type: 'input_text', text: input }], () => run(this.thread));
  }

  /** The configuration this thread runs with, loaded again (what a reviewer of it starts from). */
  runtime(): Runtime {
    return loadThreadRuntime(this.init.ctx, this.flags);
  }

  private async readyForTurn(): Promise<void> {
    // The previous turn (or compaction) has reported its end but has not returned yet: wait for it.
    if (this.busy && !this.activeTurnId) await this.work;
    if (this.closing) throw invalidRequest(`thread ${this.id} is closing`);
    if (this.busy === 'compact')
      throw invalidRequest(`thread ${this.id} is compacting; wait for turn/completed`);
    if (this.busy === 'turn')
      throw invalidRequest(
        `a turn is already running on thread ${this.id} (turn ${this.activeTurnId}); interrupt it or wait for turn/completed`,
      );
  }

  /**
   * Runs `start` as this thread's turn. Its notifications are held until `release` runs, so the
   * client reads the response (with the turn id) before `turn/started`.
   */
  private runAsTurn(
    content: ContentPart[],
    start: () => Promise<unknown>,
  ): { turn: V2Turn; release: () => void } {
    this.held = [];
    this.busy = 'turn';
    this.updatedAtMs = Date.now();
    this.projector.setNextInput(content);
    const startedBefore = this.projector.lastStartedTurnId;
    let done: Promise<unknown>;
    try {
      done = start();
    } catch (err) {
      this.busy = undefined;
      this.release();
      throw err;
    }
    this.work = done
      .then(() => undefined)
      .catch((err: unknown) => {
        // The loop stopped where it could not go on (its log could not be written).
        const turnId = this.activeTurnId;
        if (turnId)
          this.onEvent({
            type: 'turn.failed',
            turn_id: turnId,
            usage: emptyUsage(),
            error: { message: (err as Error).message },
          });
      })
      .finally(() => {
        this.busy = undefined;
        this.updatedAtMs = Date.now();
      });
    // The turn is announced before the first await, so the id is known here (it may even have
    // ended already: a spend cap stops a turn before its first request, with no await between).
    const started = this.projector.lastStartedTurnId;
    const turnId = this.activeTurnId ?? (started !== startedBefore ? started : undefined);
    if (!turnId) {
      this.release();
      throw invalidRequest(`the turn on thread ${this.id} did not start`);
    }
    const turn: V2Turn = {
      id: turnId,
      items: [],
      status: 'inProgress',
      error: null,
      startedAt: seconds(Date.now()),
      completedAt: null,
      durationMs: null,
    };
    return { turn, release: () => this.release() };
  }

  interrupt(turnId: string): void {
    const active = this.activeTurnId;
    if (!active || active !== turnId)
      throw invalidRequest(
        `turn ${turnId} is not running on thread ${this.id}${active ? ` (the running turn is ${active})` : ' (no turn is running)'}`,
      );
    this.thread.interrupt();
  }

  /**
   * Compacts the history now; progress streams as a turn with one `contextCompaction` item, held
   * (like a turn's) until `release` runs after the response.
   */
  async compact(): Promise<() => void> {
    if (this.busy && !this.activeTurnId) await this.work;
    if (this.closing) throw invalidRequest(`thread ${this.id} is closing`);
    if (this.busy)
      throw invalidRequest(
        `thread ${this.id} is busy (${this.busy === 'turn' ? 'a turn is running' : 'compacting'})`,
      );
    this.busy = 'compact';
    this.held = [];
    this.emit(this.projector.beginSyntheticTurn());
    this.work = this.thread
      .compact()
      .then(
        (ok) => this.emit(this.projector.endSyntheticTurn(ok ? undefined : 'compaction failed')),
        (err: unknown) => this.emit(this.projector.endSyntheticTurn((err as Error).message)),
      )
      .finally(() => {
        this.busy = undefined;
        this.updatedAtMs = Date.now();
      });
    return () => this.release();
  }

  /** Interrupts what runs and closes the thread (flushes its log, releases its lock). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed.abort();
      for (const approvalId of this.approvals.keys()) this.noAnswer(approvalId, 'the thread is closing');
      await this.guardian?.close();
      await this.thread.close();
      this.subscribers.clear();
    })();
    return this.closing;
  }

  private applyOverrides(params: TurnStartParams): void {
    const patch: Partial<ThreadSettings> = {};
    // Codex's collaboration mode carries a model and effort of its own; explicit params win.
    const mode = params.collaborationMode;
    const model = params.model ?? mode?.settings?.model;
    const effort = params.effort ?? mode?.settings?.reasoning_effort;
    if (mode) patch.collaborationMode = mode.mode;
    if (model != null || params.cwd != null || params.approvalPolicy != null) {
      this.flags = threadFlags(this.flags, {
        model,
        cwd: params.cwd,
        approvalPolicy: params.approvalPolicy,
      });
      const fresh = loadThreadRuntime(this.init.ctx, this.flags).settings;
      Object.assign(patch, {
        model: fresh.model,
        cwd: fresh.cwd,
        approvalPolicy: fresh.approvalPolicy,
        contextWindow: fresh.contextWindow,
        autoCompactTokenLimit: fresh.autoCompactTokenLimit,
        reasoning: fresh.reasoning,
        ...(this.explicitSandbox ? {} : { sandbox: fresh.sandbox }),
      });
    }
    if (params.sandboxPolicy) {
      this.explicitSandbox = true;
      patch.sandbox = sandboxPolicyIn(
        params.sandboxPolicy,
        this.settings.sandbox,
        patch.cwd ?? this.settings.cwd,
      );
    }
    const reasoning = patch.reasoning ?? this.settings.reasoning;
    if (reasoning && (effort != null || params.summary != null)) {
      patch.reasoning = {
        ...reasoning,
        ...(effort != null ? { effort } : {}),
        ...(params.summary != null ? { summary: params.summary } : {}),
      };
    }
    // The schema applies to this turn only; one the API cannot take is refused with the change to
    // make, and what was adjusted for strict mode is said.
    patch.outputSchema = undefined;
    if (params.outputSchema != null) {
      const plan = prepareOutputSchema(params.outputSchema);
      if (!plan.ok) throw invalidParams(`outputSchema: ${plan.error}`);
      patch.outputSchema = plan.outputSchema;
      for (const note of plan.notes)
        this.thread.events.emit({ type: 'warning', message: `outputSchema: ${note}` });
    }
    // Spend caps for this turn only, over the configured ones.
    this.configuredBudget ??= { budget: this.settings.budget };
    const configured = this.configuredBudget.budget;
    const turnCaps = {
      ...configured?.turn,
      ...(params.maxCostUsd != null ? { maxCostUsd: params.maxCostUsd } : {}),
      ...(params.maxTokens != null ? { maxTokens: params.maxTokens } : {}),
    };
    patch.budget = { ...configured, turn: turnCaps };
    this.thread.updateSettings(patch);
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    if (held) this.deliver(held);
  }

  private onEvent(event: SpoolEvent): void {
    const failure = this.session?.recorder.failure;
    const shown: SpoolEvent =
      event.type === 'turn.interrupted' && failure
        ? {
            type: 'turn.failed',
            turn_id: event.turn_id,
            usage: event.usage,
            error: {
              message: `the session log could not be written, so the turn was stopped: ${failure.message}`,
            },
          }
        : event;
    this.emit(this.projector.project(shown));
  }

  /** Delivers now, or holds while a response is on its way. */
  private emit(out: Outgoing[]): void {
    if (this.held) this.held.push(...out);
    else this.deliver(out);
  }

  private deliver(out: Outgoing[]): void {
    for (const message of out) {
      try {
        this.deliverOne(message);
      } catch (err) {
        // One broken delivery must not stop the others (or the thread that emitted the event).
        process.emitWarning(`app-server: could not deliver ${message.kind}: ${(err as Error).message}`);
      }
    }
  }

  private deliverOne(message: Outgoing): void {
    switch (message.kind) {
      case 'notify':
        for (const connection of this.subscribers) connection.notify(message.method, message.params);
        break;
      case 'delta':
        for (const connection of this.subscribers)
          connection.notifyDelta(message.key, message.method, message.params);
        break;
      case 'approval': {
        const { kind: _kind, approvalId, ...request } = message;
        this.ask(approvalId, request);
        break;
      }
      case 'approvalResolved':
        this.withdraw(message.approvalId);
        break;
      case 'userInput':
        this.questions.add(message.requestId);
        this.ask(message.requestId, { method: message.method, params: message.params });
        break;
      case 'userInputResolved':
        this.withdraw(message.requestId);
        this.questions.delete(message.requestId);
        break;
    }
  }

  /** Sends an approval request to every subscriber; the first answer decides. */
  private ask(approvalId: string, { method, params }: V2ServerRequest): void {
    const sent = new Map<Connection, RequestId>();
    this.approvals.set(approvalId, sent);
    for (const connection of this.subscribers) {
      if (!connection.isOpen || !connection.initialized) continue;
      const { id, response } = connection.request(method, params);
      sent.set(connection, id);
      response.then(
        (answer) => this.answer(approvalId, answer),
        () => {
          if (sent.delete(connection) && sent.size === 0 && this.approvals.get(approvalId) === sent)
            this.noAnswer(approvalId, 'the client answered the approval request with an error');
        },
      );
    }
    if (sent.size === 0) this.noAnswer(approvalId, 'no client is connected to answer');
  }

  private answer(approvalId: string, answer: unknown): void {
    if (!this.approvals.has(approvalId)) return;
    if (this.questions.has(approvalId)) {
      const read = answersFromClient(answer);
      if ('answers' in read && Object.keys(read.answers).length === 0)
        this.thread.resolveUserInput(
          approvalId,
          undefined,
          'The user dismissed the questions without answering.',
        );
      else if ('answers' in read) this.thread.resolveUserInput(approvalId, read.answers);
      else
        this.thread.resolveUserInput(
          approvalId,
          undefined,
          `The client's answer was unusable: ${read.error}.`,
        );
      return;
    }
    const decision = decisionOf(answer);
    if (decision) this.thread.resolveApproval(approvalId, decision);
    else
      this.thread.resolveApproval(
        approvalId,
        'denied',
        `the client's answer ${JSON.stringify(answer)?.slice(0, 200)} is not a decision (accept, acceptForSession, decline, cancel)`,
      );
  }

  private noAnswer(approvalId: string, why: string): void {
    if (!this.approvals.has(approvalId)) return;
    if (this.questions.has(approvalId)) {
      this.thread.resolveUserInput(approvalId, undefined, `No answer came because ${why}.`);
      return;
    }
    this.thread.resolveApproval(approvalId, 'denied', `Declined because ${why}.`);
  }

  /** The approval was decided: the other clients' requests are withdrawn. */
  private withdraw(approvalId: string): void {
    const sent = this.approvals.get(approvalId);
    if (!sent) return;
    this.approvals.delete(approvalId);
    for (const [connection, requestId] of sent) {
      connection.abandon(requestId);
      connection.notify('serverRequest/resolved', { threadId: this.id, requestId });
    }
  }
}
