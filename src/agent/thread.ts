/**
 * A thread: one conversation with its history, settings, tools and event stream.
 *
 * `runTurn()` runs one turn to its end (completed, failed or interrupted) and resolves with the
 * outcome; events stream to subscribers while it runs. One turn at a time per thread.
 */

import { buildInitialContext } from '../context/initial-context.js';
import { skillInjections } from '../context/skills/inject.js';
import { type ContextObservation, contextUpdateMessages, observeContext } from '../context/snapshot.js';
import { turnAbortedMessage } from '../context/turn-aborted.js';
import type { ModelClient, ModelError, ModelRequest } from '../model/types.js';
import type {
  ApprovalDecision,
  SpoolEvent,
  SpoolEventOf,
  ThreadItem,
  UserInputAnswers,
} from '../protocol/events.js';
import { uuidv7 } from '../protocol/ids.js';
import type { ContentPart, HistoryItem, ToolCallItem } from '../protocol/items.js';
import type { ThreadRecorder } from '../protocol/recorder.js';
import type { ContextSnapshot } from '../protocol/rollout.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { addCost, addUsage, type Cost, emptyUsage, type Usage, zeroCost } from '../protocol/usage.js';
import { effectivePermissions } from '../sandbox/plan-mode.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolContext } from '../tools/types.js';
import { ApprovalBroker, type ApprovalReviewer } from './approvals.js';
import { SessionBudget, type Spend, TurnSpend } from './budget.js';
import { type CompactionMode, type CompactionTrigger, runCompaction } from './compaction.js';
import { ContextWindowKnowledge } from './context-window.js';
import { EventBus } from './event-bus.js';
import { PromptTokens } from './prompt-tokens.js';
import { ToolRunner } from './tool-runner.js';
import { type BudgetExceeded, runTurnLoop, type TurnOutcome } from './turn.js';
import { turnEvents } from './turn-events.js';
import { UserInputBroker } from './user-input.js';

export interface ThreadOptions {
  client: ModelClient;
  settings: ThreadSettings;
  tools: ToolRegistry;
  /**
   * Called at every turn boundary: a new tool set (e.g. an MCP server's tools changed or a slow server
   * finished starting) and a sentence announcing the change to the model. Tool changes take effect
   * only here, never inside a turn, so a turn's requests keep one cached prefix.
   */
  toolUpdates?: () => { registry: ToolRegistry; announcement: string } | undefined;
  /** Resume: the id and history of an existing thread, and what the model was last told. */
  id?: string;
  history?: HistoryItem[];
  contextSnapshot?: ContextSnapshot;
  /** The clock for dates in the environment context (tests pin it). */
  clock?: () => Date;
  /** The durable log (see recorder.ts). */
  recorder?: ThreadRecorder;
  /** Released when the thread closes (exec sessions, MCP clients, …). */
  onClose?: () => Promise<void>;
  /**
   * The budget this thread's requests count against: its root's, for a thread working for another
   * (a sub-agent, the guardian). Absent: its own, capped by its settings' `budget.session`.
   */
  budget?: SessionBudget;
  /** What the session spent before this process (resume), for its own budget. */
  priorSpend?: Spend;
}

export type UserInput = string | ContentPart[];

/** A turn whose work is done elsewhere (a reviewer thread), shown and recorded as this thread's. */
export interface DelegatedTurn {
  readonly turnId: string;
  /** Aborted when this thread is interrupted. */
  readonly signal: AbortSignal;
  newItemId(): string;
  /** Shows an item of the work as this turn's (the event's `turn_id` is replaced). */
  emit(event: SpoolEventOf<'item.started' | 'item.updated' | 'item.completed' | 'item.delta'>): void;
}

export interface DelegatedTurnResult {
  status: 'completed' | 'failed' | 'interrupted';
  /** Appended to history after the input, so later turns know what the work found. */
  items: HistoryItem[];
  /** Tokens the work spent on this thread's behalf: counted in this thread's totals. */
  usage: Usage;
  /**
   * What they cost, counted in this thread's cost. The work's own threads already charged the
   * budget they were given (this thread's `budget`), so it is not charged again here.
   */
  cost?: Cost;
  error?: ModelError | BudgetExceeded;
}

export interface TurnOptions {
  signal?: AbortSignal;
  /** Skills to give the model besides the input's `$name` mentions (by name or SKILL.md path). */
  skills?: string[];
}

/** A message from another agent, as history: a user message (it carries no more authority). */
function mailItem(text: string): HistoryItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/** Stands in for the last snapshot when it is unknown (a resumed log without one): everything is announced. */
const UNKNOWN_CONTEXT: ContextSnapshot = {
  cwd: '',
  shell: '',
  current_date: '',
  timezone: '',
  model: '',
  sandbox_mode: '',
  network_access: false,
  writable_roots: [],
  approval_policy: '',
  project_docs_digest: '',
};

export class Thread {
  readonly id: string;
  readonly events = new EventBus();
  private readonly items: HistoryItem[];
  private usage: Usage = emptyUsage();
  private cost: Cost = zeroCost();
  /** The spend caps' ledger (shared with the threads that work for this one). */
  readonly budget: SessionBudget;
  /** Input tokens of the last response, the part of the next request likely served from cache. */
  private lastInputTokens = 0;
  private itemCounter = 0;
  private readonly approvals = new ApprovalBroker(
    (event) => this.events.emit(event),
    () => this.interrupt(),
  );
  private readonly userInput = new UserInputBroker((event) => this.events.emit(event));
  /** Warnings found while building the thread, shown once a front end is listening. */
  private readonly startupWarnings: string[] = [];
  /** Skill warnings already shown (they are found again at every turn; each is said once). */
  private readonly skillWarningsShown = new Set<string>();
  private active: { controller: AbortController; done: Promise<TurnOutcome> } | undefined;
  /** The running turn's id, and input added to it (`steer`) that the loop has not taken yet. */
  private activeTurnId: string | undefined;
  private steered: ContentPart[][] = [];
  /** Developer notes for the model, committed before the next request (see `addDeveloperNote`). */
  private notes: HistoryItem[] = [];
  /** Messages from other agents not yet in history (see `deliverMessage`). */
  private mail: string[] = [];
  /** The running turn is delegated (runDelegatedTurn): it takes no steered input. */
  private delegating = false;

  private currentSettings: ThreadSettings;
  /** Remembers the running turn's plan item (set per turn). */
  private trackPlan: (item: ThreadItem) => void = () => {};
  private registry: ToolRegistry;
  /** The next request's tokens, estimated as items are committed and calibrated by usage. */
  private readonly tokens: PromptTokens;
  /** History length right after the last compaction: never compact an unchanged history twice. */
  private lengthAfterCompaction = -1;
  /** The provider answered /responses/compact with an error once: use local checkpoints. */
  private remoteCompactionFailed = false;
  /** What the server's refusals taught about the model's real context window. */
  private window = new ContextWindowKnowledge();
  /** What the model has been told about its situation; changes are announced against it. */
  private context: ContextSnapshot | undefined;

  constructor(private readonly options: ThreadOptions) {
    this.id = options.id ?? uuidv7();
    this.currentSettings = options.settings;
    this.registry = options.tools;
    this.budget =
      options.budget ?? new SessionBudget(() => this.currentSettings.budget?.session, options.priorSpend);
    this.items = [...(options.history ?? [])];
    this.tokens = new PromptTokens(this.items);
    this.context = options.contextSnapshot;
    const recorder = options.recorder;
    if (recorder) this.events.subscribe((event) => recorder.event(event));
    if (this.items.length === 0) {
      const observation = observeContext(this.currentSettings, this.now());
      this.startupWarnings.push(...observation.projectDocs.warnings, ...this.newSkillWarnings(observation));
      this.commit(buildInitialContext(this.currentSettings, observation));
      this.context = observation.snapshot;
    }
  }

  get settings(): ThreadSettings {
    return this.currentSettings;
  }

  /**
   * Changes settings between turns (cwd, model, sandbox, approvals, …). The next turn tells the
   * model what changed, in a message appended before its prompt.
   */
  updateSettings(patch: Partial<ThreadSettings>): void {
    if (this.active) throw new Error('settings cannot change while a turn is running');
    const next = { ...this.currentSettings, ...patch };
    // What the server taught about the window holds for its model, whatever the configuration says.
    if (next.model !== this.currentSettings.model) this.window = new ContextWindowKnowledge();
    this.currentSettings = this.withLearnedWindow(next);
  }

  /** The snapshot the model was last told (what resume needs to announce later changes). */
  get contextSnapshot(): ContextSnapshot | undefined {
    return this.context;
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }

  /** The history as the next request will send it. */
  get history(): readonly HistoryItem[] {
    return this.items;
  }

  get totalUsage(): Usage {
    return this.usage;
  }

  /** What this thread's requests cost in this process (`usd: null` when a price was unknown). */
  get totalCost(): Cost {
    return this.cost;
  }

  get running(): boolean {
    return this.active !== undefined;
  }

  subscribe(listener: (event: SpoolEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Announces the thread to subscribers (front ends print `thread.started`). */
  announce(): void {
    this.events.emit({ type: 'thread.started', thread_id: this.id });
    for (const message of this.startupWarnings.splice(0)) this.events.emit({ type: 'warning', message });
  }

  async runTurn(input: UserInput, options: TurnOptions = {}): Promise<TurnOutcome> {
    return this.asActiveTurn(options.signal, (signal) => this.turn(input, signal, options.skills ?? []));
  }

  /**
   * Runs `start` as this thread's one active turn, stopped by `interrupt()` or by `external`; the
   * thread is idle again when it settles.
   */
  private async asActiveTurn(
    external: AbortSignal | undefined,
    start: (signal: AbortSignal) => Promise<TurnOutcome>,
  ): Promise<TurnOutcome> {
    if (this.active) throw new Error('a turn is already running on this thread');
    const controller = new AbortController();
    const onExternalAbort = () => controller.abort();
    if (external?.aborted) controller.abort();
    external?.addEventListener('abort', onExternalAbort, { once: true });
    const done = start(controller.signal);
    this.active = { controller, done };
    try {
      return await done;
    } finally {
      this.active = undefined;
      this.activeTurnId = undefined;
      this.delegating = false;
      external?.removeEventListener('abort', onExternalAbort);
    }
  }

  /**
   * Runs a turn whose work something else does (a code review by a reviewer thread): `input` is
   * committed as the user's message, the work's items stream as this turn's, its `items` join the
   * history, and its usage counts in this thread's totals. The model is not called; what it was last
   * told about its situation stays as it was (changes are announced on the next real turn).
   */
  async runDelegatedTurn(
    input: UserInput,
    work: (turn: DelegatedTurn) => Promise<DelegatedTurnResult>,
    options: { signal?: AbortSignal } = {},
  ): Promise<TurnOutcome> {
    const turnId = uuidv7();
    return this.asActiveTurn(options.signal, async (signal): Promise<TurnOutcome> => {
      this.activeTurnId = turnId;
      this.delegating = true;
      this.options.recorder?.turnStarted({ turn_id: turnId, ...(this.context ?? UNKNOWN_CONTEXT) });
      this.events.emit({ type: 'turn.started', turn_id: turnId });
      const content: ContentPart[] =
        typeof input === 'string' ? [{ type: 'input_text', text: input }] : input;
      this.commit([{ type: 'message', role: 'user', content }]);
      let result: DelegatedTurnResult;
      try {
        result = await work({
          turnId,
          signal,
          newItemId: () => `item_${this.itemCounter++}`,
          emit: (event) => this.events.emit({ ...event, turn_id: turnId }),
        });
      } catch (err) {
        result = {
          status: 'failed',
          items: [],
          usage: emptyUsage(),
          error: { kind: 'bad_response', message: (err as Error).message, retryable: false },
        };
      }
      this.commit(result.items);
      this.usage = addUsage(this.usage, result.usage);
      const usage = result.usage;
      const turnCost = result.cost;
      if (turnCost) this.cost = addCost(this.cost, turnCost);
      const costs = turnCost ? { cost: turnCost } : {};
      this.events.emit({
        type: 'usage.updated',
        turn_id: turnId,
        last: usage,
        turn: usage,
        thread: this.usage,
        context_tokens: this.contextTokens(),
        context_window: this.currentSettings.contextWindow,
        ...(turnCost ? { cost: { last: turnCost, turn: turnCost, thread: this.cost } } : {}),
      });
      if (result.status === 'completed') {
        this.events.emit({ type: 'turn.completed', turn_id: turnId, usage, ...costs });
        return { status: 'completed', usage };
      }
      if (result.status === 'interrupted' || !result.error) {
        this.events.emit({ type: 'turn.interrupted', turn_id: turnId, usage, ...costs });
        return { status: 'interrupted', usage };
      }
      const error = result.error;
      this.events.emit({
        type: 'turn.failed',
        turn_id: turnId,
        usage,
        ...costs,
        error: { message: error.message, kind: error.kind },
      });
      return { status: 'failed', usage, error };
    });
  }

  /**
   * Adds input to the running turn: it is committed as a user message before the turn's next model
   * request (or, if the model had just answered, the turn goes on with it). Returns the running
   * turn's id, or undefined when no turn is running (start one instead).
   */
  steer(input: UserInput): string | undefined {
    if (!this.active || !this.activeTurnId || this.delegating) return undefined;
    this.steered.push(typeof input === 'string' ? [{ type: 'input_text', text: input }] : input);
    return this.activeTurnId;
  }

  /** Interrupts the running turn: the request and running tools are aborted; history stays well formed. */
  interrupt(): void {
    this.active?.controller.abort();
  }

  /**
   * Puts `reviewer` before the human for every approval request of this thread (undefined: the
   * human is asked directly again). Takes effect for requests made from now on.
   */
  setApprovalReviewer(reviewer: ApprovalReviewer | undefined): void {
    this.approvals.reviewer = reviewer;
  }

  /**
   * Tells the model something without starting a turn (e.g. the user approved an action a reviewer
   * had denied): a developer message appended before the next model request, in this turn if one
   * is running, else at the start of the next. History stays append-only.
   */
  addDeveloperNote(text: string): void {
    this.notes.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text }] });
  }

  /**
   * Delivers a message from another agent of the same tree (a sub-agent's answer, a parent's
   * note): committed as a user message before the next model request of the running turn — a turn
   * whose model had just answered goes on with it — or, when no turn runs, at the start of the next
   * (`takeMail` hands the queued ones to whoever starts that turn instead). History stays append-only.
   */
  deliverMessage(text: string): void {
    this.mail.push(text);
  }

  /** Messages delivered but not yet committed. */
  get pendingMail(): number {
    return this.mail.length;
  }

  /** Removes and returns the texts of the messages not yet committed (to start a turn with them). */
  takeMail(): string[] {
    return this.mail.splice(0);
  }

  /**
   * Answers an `approval.requested` event; `reason` tells the model why (e.g. no one could be asked).
   * Unknown or already answered ids are ignored (returns false).
   */
  resolveApproval(id: string, decision: ApprovalDecision, reason?: string): boolean {
    return this.approvals.resolve(id, decision, reason);
  }

  /**
   * Answers a `user_input.requested` event (request_user_input); without answers, `reason` tells
   * the model why none came. Unknown or already answered ids are ignored (returns false).
   */
  resolveUserInput(id: string, answers: UserInputAnswers | undefined, reason?: string): boolean {
    return this.userInput.resolve(id, answers, reason);
  }

  /** Skill problems not shown yet (malformed files, the budget cut). */
  private newSkillWarnings(observation: ContextObservation): string[] {
    const fresh = observation.skills.warnings.filter((warning) => !this.skillWarningsShown.has(warning));
    for (const warning of fresh) this.skillWarningsShown.add(warning);
    return fresh;
  }

  async close(): Promise<void> {
    this.interrupt();
    // Waits for the turn to settle; its outcome, or its failure, went to runTurn's caller.
    await Promise.allSettled([this.active?.done]);
    await this.options.onClose?.();
  }

  /** Tokens the next request would carry: the estimate, calibrated by the provider's counts. */
  contextTokens(): number {
    return this.tokens.calibrated(this.estimateNextRequest());
  }

  /** Estimated prompt tokens of the next request: instructions, tools and history. */
  private estimateNextRequest(): number {
    return this.tokens.estimate(this.currentSettings.baseInstructions, this.registry);
  }

  /**
   * Compacts the history now (between turns). Resolves false, with a warning event, when compaction
   * failed; the history is then unchanged.
   */
  async compact(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.active) throw new Error('cannot compact while a turn is running');
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    // The compaction request is a request like any other: within the caps, and charged.
    const spend = this.newSpend();
    const stop = spend.check();
    if (stop !== undefined) {
      this.events.emit({ type: 'warning', message: `compaction was not started: ${stop}` });
      return false;
    }
    const turnId = uuidv7();
    const result = await this.compactNow(
      'manual',
      turnId,
      controller.signal,
      () => `item_${this.itemCounter++}`,
    );
    if (result.usage.input_tokens + result.usage.output_tokens > 0) {
      this.usage = addUsage(this.usage, result.usage);
      this.events.emit({
        type: 'usage.updated',
        turn_id: turnId,
        last: result.usage,
        turn: result.usage,
        thread: this.usage,
        context_tokens: this.contextTokens(),
        context_window: this.currentSettings.contextWindow,
        cost: spend.charge(result.usage),
      });
    }
    return result.ok;
  }

  /** A turn's spend (or a manual compaction's): checked against the caps, charged to this thread. */
  private newSpend(): TurnSpend {
    return new TurnSpend({
      budget: this.budget,
      settings: () => this.currentSettings,
      estimate: () => {
        const inputTokens = this.contextTokens();
        return { inputTokens, cachedTokens: Math.min(this.lastInputTokens, inputTokens) };
      },
      chargeThread: (cost) => {
        this.cost = addCost(this.cost, cost);
        return this.cost;
      },
    });
  }

  private compactionMode(): CompactionMode {
    const preferred = this.currentSettings.compaction;
    if (preferred === 'local') return 'local';
    if (!this.options.client.compact) return 'local';
    return preferred === 'remote' || !this.remoteCompactionFailed ? 'remote' : 'local';
  }

  /**
   * The server refused a request of `estimatedTokens` (Spool's estimate) as too long: a window
   * smaller than configured is learned from it and used from now on (compaction budgets, the
   * auto-compact limit, what front ends show), and said once.
   */
  private learnWindow(error: ModelError, estimatedTokens: number): void {
    const s = this.currentSettings;
    const refused = this.tokens.calibrated(estimatedTokens);
    const window = this.window.refused(s.contextWindow, refused, error.contextWindow);
    if (window === undefined) return;
    this.currentSettings = this.withLearnedWindow(s);
    this.events.emit({
      type: 'warning',
      message: `the server's context window is smaller than configured (${s.contextWindow.toLocaleString('en-US')} tokens): using about ${window.toLocaleString('en-US')} for the rest of this session (model_context_window sets it)`,
    });
  }

  /** `s` with the window (and the auto-compact limit under it) no larger than the one learned. */
  private withLearnedWindow(s: ThreadSettings): ThreadSettings {
    const learned = this.window.learned;
    if (learned === undefined || s.contextWindow <= learned) return s;
    return {
      ...s,
      contextWindow: learned,
      autoCompactTokenLimit: Math.min(s.autoCompactTokenLimit, Math.floor(learned * 0.9)),
    };
  }

  /** Estimated tokens a compaction request's input may have within the window as known now. */
  private compactionInputBudget(): number {
    const usable = Math.floor(this.tokens.uncalibrated(this.currentSettings.contextWindow * 0.85));
    const fixed = this.tokens.fixedPart(this.currentSettings.baseInstructions, this.registry);
    return Math.max(256, usable - fixed);
  }

  private async compactNow(
    trigger: CompactionTrigger,
    turnId: string,
    signal: AbortSignal,
    newItemId: () => string,
  ): Promise<({ ok: true } | { ok: false; error: ModelError }) & { usage: Usage }> {
    let observation: ReturnType<typeof observeContext> | undefined;
    const mode = this.compactionMode();
    const result = await runCompaction(
      {
        client: this.options.client,
        mode,
        request: this.buildRequest(),
        initialContextLength: 2,
        initialContext: () => {
          observation = observeContext(this.currentSettings, this.now());
          return buildInitialContext(this.currentSettings, observation);
        },
        inputBudget: () => this.compactionInputBudget(),
        refused: (error, estimatedTokens) => this.learnWindow(error, estimatedTokens),
        retry: this.currentSettings.retry,
        turnId,
        newItemId,
        emit: (event) => this.events.emit(event),
      },
      trigger,
      signal,
    );
    if (mode === 'remote' && result.mode === 'local') this.remoteCompactionFailed = true;
    if (!result.ok) {
      if (!signal.aborted)
        this.events.emit({ type: 'warning', message: `compaction failed: ${result.error.message}` });
      return { ok: false, error: result.error, usage: result.usage };
    }
    this.items.length = 0;
    this.items.push(...result.history);
    this.tokens.replaced(this.items);
    if (observation) this.context = observation.snapshot;
    this.lengthAfterCompaction = this.items.length;
    this.lastInputTokens = 0; // a new prefix: nothing of it is cached yet
    this.options.recorder?.compacted?.(result.history, this.context);
    return { ok: true, usage: result.usage };
  }

  buildRequest(): ModelRequest {
    const s = this.currentSettings;
    return {
      model: s.model,
      instructions: s.baseInstructions,
      input: this.items,
      tools: this.registry.specs,
      parallelToolCalls: s.parallelToolCalls,
      ...(s.reasoning ? { reasoning: s.reasoning } : {}),
      promptCacheKey: this.id,
      ...(s.verbosity ? { verbosity: s.verbosity } : {}),
      ...(s.outputSchema ? { outputSchema: s.outputSchema } : {}),
    };
  }

  private async turn(input: UserInput, signal: AbortSignal, skills: string[]): Promise<TurnOutcome> {
    const turnId = uuidv7();
    this.activeTurnId = turnId;
    const observation = observeContext(this.currentSettings, this.now());
    // Announce what changed since the model was last told (nothing earlier is rewritten).
    this.commit(contextUpdateMessages(this.context ?? UNKNOWN_CONTEXT, observation));
    const toolUpdate = this.options.toolUpdates?.();
    if (toolUpdate) {
      this.registry = toolUpdate.registry;
      this.commit([
        {
          type: 'message',
          role: 'developer',
          content: [
            { type: 'input_text', text: `<tools_update>\n${toolUpdate.announcement}\n</tools_update>` },
          ],
        },
      ]);
    }
    this.context = observation.snapshot;
    this.options.recorder?.turnStarted({ turn_id: turnId, ...observation.snapshot });
    this.events.emit({ type: 'turn.started', turn_id: turnId });
    for (const warning of [...observation.projectDocs.warnings, ...this.newSkillWarnings(observation)])
      this.events.emit({ type: 'warning', message: warning });
    this.commit(this.notes.splice(0));
    this.commit(this.takeMail().map(mailItem));
    const content: ContentPart[] = typeof input === 'string' ? [{ type: 'input_text', text: input }] : input;
    this.commit([{ type: 'message', role: 'user', content }]);
    // Skills the input names follow it, each as it is on disk now.
    const injectSkills = (parts: readonly ContentPart[], explicit: string[] = []) => {
      const injected = skillInjections(parts, observation.skills.found.skills, explicit);
      this.commit(injected.items);
      for (const message of injected.warnings) this.events.emit({ type: 'warning', message });
    };
    injectSkills(content, skills);
    const newItemId = () => `item_${this.itemCounter++}`;
    const events = turnEvents({
      turnId,
      planMode: this.currentSettings.collaborationMode === 'plan',
      emit: (event) => this.events.emit(event),
      newItemId,
    });
    const emit = events.emit;
    this.trackPlan = events.trackPlan;
    // A tool's "completed" items wait until its output is durable: a front end never shows as
    // finished what a crash could then answer with "aborted".
    const held = new Map<string, ThreadItem[] | undefined>();
    const tools = new ToolRunner({
      registry: this.registry,
      context: (call, callSignal) => {
        held.set(call.call_id, []);
        return this.toolContext(call, callSignal, turnId, newItemId, (item) => {
          const waiting = held.get(call.call_id);
          if (waiting) waiting.push(item);
          else emit({ type: 'item.completed', turn_id: turnId, item });
        });
      },
      onRejected: (_call, message) => {
        emit({ type: 'item.completed', turn_id: turnId, item: { id: newItemId(), type: 'error', message } });
      },
    });
    const outcome = await runTurnLoop(
      {
        client: this.options.client,
        tools,
        turnId,
        retry: this.currentSettings.retry,
        newItemId,
        emit,
        commit: (items) => this.commit(items),
        received: (item) => this.options.recorder?.received(item),
        durable: () => this.options.recorder?.durable?.() ?? Promise.resolve(),
        toolOutput: (item) => {
          this.options.recorder?.toolOutput(item);
          const waiting = held.get(item.call_id);
          held.set(item.call_id, undefined);
          for (const completed of waiting ?? [])
            emit({ type: 'item.completed', turn_id: turnId, item: completed });
        },
        buildRequest: () => {
          const request = this.buildRequest();
          this.tokens.sending(this.estimateNextRequest());
          return request;
        },
        recordUsage: (usage) => {
          this.usage = addUsage(this.usage, usage);
          this.window.accepted(usage.input_tokens);
          this.lastInputTokens = usage.input_tokens;
          this.tokens.counted(usage.input_tokens);
          return this.usage;
        },
        contextStatus: () => ({ tokens: this.contextTokens(), window: this.currentSettings.contextWindow }),
        needsCompaction: () =>
          this.items.length !== this.lengthAfterCompaction &&
          this.contextTokens() >= this.currentSettings.autoCompactTokenLimit,
        compact: async (compactSignal) =>
          (await this.compactNow('auto', turnId, compactSignal, newItemId)).usage,
        compactForOverflow: async (compactSignal, error) => {
          this.learnWindow(error, this.tokens.lastSent);
          const result = await this.compactNow('overflow', turnId, compactSignal, newItemId);
          return result.ok
            ? result
            : {
                ok: false,
                usage: result.usage,
                message: `The conversation does not fit the model's context window (about ${this.currentSettings.contextWindow.toLocaleString('en-US')} tokens as the server allows), and compacting it failed: ${result.error.message}. Start a new session, or give the model less to read at once.`,
              };
        },
        takeSteered: () => {
          this.commit(this.notes.splice(0));
          const mail = this.takeMail();
          this.commit(mail.map(mailItem));
          const inputs = this.steered.splice(0);
          if (inputs.length === 0) return mail.length > 0;
          for (const content of inputs) {
            this.commit([{ type: 'message', role: 'user', content }]);
            injectSkills(content);
          }
          for (const content of inputs) emit({ type: 'input.steered', turn_id: turnId, content });
          return true;
        },
        spend: this.newSpend(),
      },
      signal,
    );
    // The next request tells the model the user stopped this turn (cut-short calls already
    // answer "aborted"), so it does not simply start the same work over.
    if (outcome.status === 'interrupted') this.commit([turnAbortedMessage()]);
    return outcome;
  }

  private toolContext(
    call: ToolCallItem,
    signal: AbortSignal,
    turnId: string,
    newItemId: () => string,
    completed: (item: ThreadItem) => void,
  ): ToolContext {
    const s = this.currentSettings;
    const emitItem = (type: 'item.started' | 'item.updated' | 'item.completed', item: ThreadItem) =>
      this.events.emit({ type, turn_id: turnId, item });
    const mode = s.collaborationMode ?? 'default';
    return {
      cwd: s.cwd,
      callId: call.call_id,
      turnId,
      signal,
      // Plan mode: a read-only sandbox whatever the session's (see sandbox/plan-mode.ts).
      ...effectivePermissions(mode, s),
      collaborationMode: mode,
      userInputInDefaultMode: s.userInputInDefaultMode ?? false,
      requestUserInput: (questions) => this.userInput.request(turnId, call.call_id, signal, questions),
      approvalPolicy: s.approvalPolicy,
      env: s.shellEnv,
      spoolHome: s.spoolHome,
      requestApproval: (request) => this.approvals.request({ turnId, signal, newItemId }, request),
      sessionApprovals: this.approvals.sessionApprovals,
      warn: (message) => this.events.emit({ type: 'warning', message }),
      items: {
        newItemId,
        started: (item) => {
          this.trackPlan(item);
          emitItem('item.started', item);
        },
        updated: (item) => {
          this.trackPlan(item);
          emitItem('item.updated', item);
        },
        completed,
        outputDelta: (itemId, delta) =>
          this.events.emit({
            type: 'item.delta',
            turn_id: turnId,
            item_id: itemId,
            kind: 'command_output',
            delta,
          }),
      },
    };
  }

  private commit(items: HistoryItem[]): void {
    if (items.length === 0) return;
    this.items.push(...items);
    this.tokens.appended(items);
    this.options.recorder?.committed(items);
  }
}
