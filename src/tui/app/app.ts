/**
 * The interactive session: keys in, app-server protocol out, frames to the terminal. The app is a
 * client of the app-server (in process); it holds only what the screen needs: the composer, the
 * transcript's open entries, the approvals waiting for an answer, and the status line's figures.
 */

import { JsonRpcError, type ServerNotification, type ServerRequest } from '../../app-server/in-process.js';
import { ErrorCode } from '../../app-server/jsonrpc.js';
import type { AppServer } from '../../app-server/server.js';
import { messageOf } from '../../protocol/errors.js';
import { HostGit } from '../../sandbox/host-git.js';
import { visibleText } from '../../text/terminal-safe.js';
import { paint } from '../terminal/ansi.js';
import { type Key, KeyParser } from '../terminal/keys.js';
import { type Frame, LiveRenderer } from '../terminal/renderer.js';
import type { TerminalIo } from '../terminal/terminal-io.js';
import { type ApprovalAnswer, answerForKey, type PendingApproval, proposedRule } from '../view/approval.js';
import { Composer } from '../view/composer.js';
import type { Picker } from '../view/picker.js';
import type { SkillChoice } from '../view/skill-mentions.js';
import { Transcript } from '../view/transcript.js';
import {
  approvalName,
  sandboxName,
  type V2ApprovalDecision,
  type V2OpenedThread,
  type V2TokenUsage,
} from '../view/v2.js';
import { type CommandHost, findCommand, type NextTurnSettings, type SlashCommand } from './commands.js';
import { Completion } from './completion.js';
import { composeFrame } from './frame.js';
import { appendHistory, loadHistory } from './history.js';
import { handleEditingKey } from './keymap.js';
import { showInTranscript } from './notifications.js';
import { currentMode, offerImplementation, setMode } from './plan-mode.js';
import { UserQuestions } from './questions.js';
import { SessionClient } from './session.js';

export type OpenRequest =
  | { kind: 'new' }
  | { kind: 'resume'; id: string }
  | { kind: 'fork'; id: string; at?: number };

interface AppOptions {
  io: TerminalIo;
  server: AppServer;
  /** Spool's home (prompt history lives there). */
  home: string;
  version: string;
  open: OpenRequest;
  /** A first prompt, sent as soon as the session is open. */
  prompt?: string;
  /** `spool --plan`: start in plan mode. */
  plan?: boolean;
  now?: () => number;
}

/** A second Ctrl-C within this time quits. */
const QUIT_WINDOW_MS = 2000;
const FRAME_MS = 16;
/** Lines shown of one piece of stray output (a library's log call). */
const STRAY_LINES = 6;
const TICK_MS = 100;

export class App implements CommandHost {
  readonly transcript: Transcript;
  readonly session: SessionClient;
  nextTurn: NextTurnSettings = {};
  deniedReviews: string[] = [];
  usage: V2TokenUsage | undefined;
  private readonly composer: Composer;
  private readonly renderer: LiveRenderer;
  private readonly keys: KeyParser;
  /** git for the session's repository, pinned when the session opened (see src/git/host-git.ts). */
  private pinnedGit: { cwd: string; git: HostGit | undefined } | undefined;
  private readonly now: () => number;
  private turn: { id: string; startedAt: number } | undefined;
  private starting = false;
  private queued: string[] = [];
  private approvals: PendingApproval[] = [];
  private readonly questions = new UserQuestions(this);
  /** The running turn proposed a plan (plan mode): "Implement this plan?" follows it. */
  private proposedPlan = false;
  private picker: Picker<unknown> | undefined;
  private readonly completion: Completion;
  private hint: { text: string; until: number } | undefined;
  private lastCtrlC = 0;
  private frameTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private finished: ((code: number) => void) | undefined;
  private quitting = false;
  private restored = false;

  constructor(private readonly options: AppOptions) {
    this.now = options.now ?? Date.now;
    const size = options.io.size();
    this.renderer = new LiveRenderer((data) => options.io.write(data), size);
    this.transcript = new Transcript(size.columns, () => this.cwd());
    this.composer = new Composer(loadHistory(options.home));
    this.completion = new Completion(this.composer, {
      cwd: () => this.cwd(),
      git: () => this.git(),
      listSkills: (cwd) => this.listSkills(cwd),
      invalidate: () => this.invalidate(),
    });
    this.keys = new KeyParser((key) => this.onKey(key));
    this.session = new SessionClient(
      options.server,
      {
        onNotification: (n) => this.onNotification(n),
        onServerRequest: (r) => this.onServerRequest(r),
      },
      options.version,
    );
  }

  get busy(): boolean {
    return this.turn !== undefined || this.starting;
  }

  cwd(): string {
    return this.session.opened?.cwd ?? process.cwd();
  }

  /** Runs until the user quits; resolves with the exit code. */
  async run(): Promise<number> {
    const io = this.options.io;
    const exit = new Promise<number>((resolve) => {
      this.finished = resolve;
    });
    io.enter();
    this.unsubscribe.push(
      io.onInput((data) => this.keys.feed(data)),
      io.onResize(() => this.onResize()),
    );
    const release = io.captureStrayOutput?.((text) => this.showStrayOutput(text));
    if (release) this.unsubscribe.push(release);
    const open = this.options.open;
    try {
      if (open.kind === 'new') await this.openThread('thread/start', {}, '');
      else if (open.kind === 'resume')
        await this.openThread('thread/resume', { threadId: open.id }, `Resumed session ${open.id}`);
      else {
        const lastTurnId = open.at === undefined ? undefined : await this.turnIdAt(open.id, open.at);
        await this.openThread(
          'thread/fork',
          { threadId: open.id, ...(lastTurnId ? { lastTurnId } : {}) },
          `Forked session ${open.id}`,
        );
      }
    } catch (err) {
      this.transcript.system('error', (err as Error).message);
      this.stop(1);
      return exit;
    }
    if (this.options.plan) setMode(this, 'plan');
    this.renderNow();
    if (this.options.prompt?.trim()) void this.submit(this.options.prompt);
    return exit;
  }

  private async turnIdAt(threadId: string, at: number): Promise<string> {
    const read = await this.session.request<{ thread: { turns: Array<{ id: string }> } }>('thread/read', {
      threadId,
      includeTurns: true,
    });
    const turn = read.thread.turns[at - 1];
    if (!Number.isInteger(at) || at < 1 || !turn)
      throw new Error(
        `session ${threadId} has ${read.thread.turns.length} turn(s); cannot fork at turn ${at}`,
      );
    return turn.id;
  }

  async openThread(
    method: 'thread/start' | 'thread/resume' | 'thread/fork',
    params: object,
    title: string,
  ): Promise<void> {
    const opened: V2OpenedThread = await this.session.open(method, params);
    this.pinnedGit = { cwd: opened.cwd, git: HostGit.pin(opened.cwd, { untrustedRoots: [opened.cwd] }) };
    this.turn = undefined;
    this.usage = undefined;
    this.queued = [];
    this.deniedReviews = [];
    const head = [
      `${paint('Spool', { bold: true })} ${paint(this.options.version, { dim: true })}${title ? `  ${title}` : ''}`,
      paint(`session ${opened.thread.id} · ${opened.model} · ${opened.cwd}`, { dim: true }),
    ];
    if (method === 'thread/start')
      head.push(paint('Type a prompt and press enter. /help lists commands and keys.', { dim: true }));
    this.transcript.block(head);
    this.transcript.replay(opened.thread.turns);
    this.invalidate();
  }

  /** git for the session's repository as found when the session opened; undefined outside one. */
  git(): HostGit | undefined {
    return this.pinnedGit?.cwd === this.cwd() ? this.pinnedGit.git : undefined;
  }

  openPicker<T>(picker: Picker<T>): void {
    this.picker = picker as Picker<unknown>;
    this.invalidate();
  }

  quit(): void {
    this.stop(0);
  }

  /**
   * Something in the process printed to stdout or stderr while the UI owns the screen (a library's
   * warning or log): it goes into the transcript, through the renderer, so nothing is left stale.
   */
  private showStrayOutput(text: string): void {
    const lines = text
      .replace(/\n+$/, '')
      .split('\n')
      .filter((line) => line.trim() !== '');
    if (lines.length === 0) return;
    const shown =
      lines.length > STRAY_LINES
        ? [...lines.slice(0, STRAY_LINES - 1), `… ${lines.length - STRAY_LINES + 1} more lines`]
        : lines;
    this.transcript.system('info', shown.join('\n'));
    this.invalidate();
  }

  // --- protocol -----------------------------------------------------------------------------

  /** Paths of the sub-agents announced to this client, by thread id. */
  private readonly agentPaths = new Map<string, string>();
  /** Each sub-agent's last known status (running, or how its last turn ended). */
  private readonly agentStatus = new Map<string, string>();

  agents(): Array<{ path: string; threadId: string; status: string }> {
    return [...this.agentPaths].map(([threadId, path]) => ({
      path,
      threadId,
      status: this.agentStatus.get(threadId) ?? 'starting',
    }));
  }

  /** Handles a notification of another thread of the tree; false when it is this thread's. */
  private onAgentNotification(n: ServerNotification): boolean {
    const current = this.session.threadId;
    if (n.method === 'thread/started') {
      const thread = n.params.thread;
      // Spool's sub-agents are announced with Codex's `source.subAgent.thread_spawn`.
      const source = thread.source as unknown as { subAgent?: { thread_spawn?: { agent_path?: string } } };
      const spawn = typeof source === 'object' && source !== null ? source.subAgent?.thread_spawn : undefined;
      if (!spawn?.agent_path || thread.id === current) return false;
      this.agentPaths.set(thread.id, spawn.agent_path);
      this.transcript.system('info', `agent ${visibleText(spawn.agent_path)} started`);
      this.invalidate();
      return true;
    }
    const threadId = (n.params as { threadId?: unknown }).threadId;
    if (typeof threadId !== 'string' || current === undefined || threadId === current) return false;
    const path = this.agentPaths.get(threadId);
    if (path && n.method === 'turn/started') this.agentStatus.set(threadId, 'running');
    if (path && n.method === 'turn/completed') {
      const status = n.params.turn.status;
      this.agentStatus.set(threadId, status);
      this.transcript.system('info', `agent ${visibleText(path)}: turn ${status}`);
      this.invalidate();
    }
    return true;
  }

  private onNotification(n: ServerNotification): void {
    // Sub-agents' threads are shown to the root's client too (docs/agents.md): this view follows
    // its own thread and says only when an agent starts and ends a turn.
    if (this.onAgentNotification(n)) return;
    showInTranscript(this.transcript, n);
    switch (n.method) {
      case 'item/autoApprovalReview/completed': {
        const { reviewId, review } = n.params;
        if (review.status === 'denied' || review.status === 'timedOut') this.deniedReviews.push(reviewId);
        break;
      }
      case 'turn/started':
        this.proposedPlan = false;
        this.turn = { id: n.params.turn.id, startedAt: this.now() };
        this.tickTimer ??= setInterval(() => this.invalidate(), TICK_MS);
        break;
      case 'turn/completed':
        this.turn = undefined;
        if (this.tickTimer) clearInterval(this.tickTimer);
        this.tickTimer = undefined;
        this.completion.forgetSkills();
        if (this.proposedPlan && n.params.turn.status === 'completed' && currentMode(this) === 'plan')
          offerImplementation(this, (prompt) => void this.submit(prompt));
        this.proposedPlan = false;
        this.sendQueued();
        break;
      case 'item/completed':
        if (n.params.item.type === 'plan') this.proposedPlan = true;
        break;
      case 'thread/tokenUsage/updated':
        this.usage = n.params.tokenUsage;
        break;
      case 'serverRequest/resolved':
        // Answered by another client, or withdrawn (the turn ended): the modal goes away.
        for (const pending of this.approvals.filter((a) => a.requestId === n.params.requestId))
          pending.answer('decline');
        this.questions.dismissAll();
        break;
      case 'thread/closed':
        if (n.params.threadId === this.session.threadId)
          this.transcript.system('error', 'The session was closed by the server.');
        break;
    }
    this.invalidate();
  }

  private onServerRequest(request: ServerRequest): Promise<unknown> {
    switch (request.method) {
      case 'item/tool/requestUserInput':
        return this.questions.ask(request.params.questions);
      case 'item/commandExecution/requestApproval':
        return this.askApproval(request.id, { kind: 'command', params: request.params });
      case 'item/fileChange/requestApproval':
        return this.askApproval(request.id, { kind: 'patch', params: request.params });
      case 'mcpServer/elicitation/request': {
        // An MCP tool call to approve (Codex's elicitation): shown like a command, answered in its shape.
        const p = request.params;
        const session = p._meta.persist?.includes('session') ?? false;
        const asCommand = {
          threadId: p.threadId,
          turnId: p.turnId ?? '',
          itemId: '',
          startedAtMs: this.now(),
          command: p.message,
          reason: null,
        };
        return this.askApproval(request.id, { kind: 'command', params: asCommand }).then(({ decision }) => {
          if (decision === 'accept' || (decision === 'acceptForSession' && !session))
            return { action: 'accept', content: null, _meta: null };
          if (decision === 'acceptForSession')
            return { action: 'accept', content: null, _meta: { persist: 'session' } };
          return { action: decision === 'cancel' ? 'cancel' : 'decline', content: null, _meta: null };
        });
      }
    }
  }

  /** Shows the approval modal; resolves with the decision, in Codex's shape. */
  private askApproval(
    requestId: ServerRequest['id'],
    asked: Pick<PendingApproval, 'kind' | 'params'>,
  ): Promise<{ decision: V2ApprovalDecision }> {
    const { itemId } = asked.params;
    return new Promise((resolve) => {
      const threadId = asked.params.threadId;
      const agent = threadId !== this.session.threadId ? this.agentPaths.get(threadId) : undefined;
      const pending = {
        ...asked,
        requestId,
        ...(agent ? { agent } : {}),
        answer: (answer: ApprovalAnswer) => {
          const index = this.approvals.indexOf(pending);
          if (index < 0) return;
          this.approvals.splice(index, 1);
          this.transcript.setWaiting(itemId, false);
          const rule = proposedRule(pending);
          resolve({
            decision:
              answer === 'acceptWithExecpolicyAmendment'
                ? { acceptWithExecpolicyAmendment: { execpolicy_amendment: rule ?? [] } }
                : answer,
          });
          this.invalidate();
        },
      } as PendingApproval;
      this.approvals.push(pending);
      this.transcript.setWaiting(itemId, true);
      this.invalidate();
    });
  }

  // --- turns and commands ---------------------------------------------------------------------

  private async submit(raw: string): Promise<void> {
    const text = raw.replace(/\s+$/, '');
    if (text.trim() === '') return;
    // After "Other…", the line answers the question the model asked.
    if (this.questions.takeText(text)) return;
    const command = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
    if (command && findCommand(command[1]!)) {
      await this.runCommand(findCommand(command[1]!)!, command[2] ?? '');
      return;
    }
    appendHistory(this.options.home, text, this.session.threadId);
    if (this.busy) {
      this.queued.push(text);
      this.invalidate();
      return;
    }
    await this.startTurn(text);
  }

  private async startTurn(text: string): Promise<void> {
    const threadId = this.session.threadId;
    if (!threadId) return;
    this.starting = true;
    this.invalidate();
    try {
      await this.session.request('turn/start', {
        threadId,
        input: [{ type: 'text', text }],
        ...this.nextTurn,
      });
    } catch (err) {
      this.transcript.system('error', (err as Error).message);
    } finally {
      this.starting = false;
      this.invalidate();
    }
  }

  private sendQueued(): void {
    const next = this.queued.shift();
    if (next !== undefined) void this.startTurn(next);
  }

  private async runCommand(command: SlashCommand, args: string): Promise<void> {
    if (!command.duringTurn && this.busy) {
      this.transcript.system(
        'warning',
        `/${command.name} cannot run while a turn is running (esc interrupts it).`,
      );
      this.invalidate();
      return;
    }
    try {
      await command.run(this, args);
    } catch (err) {
      this.transcript.system('error', `/${command.name}: ${(err as Error).message}`);
    }
    this.invalidate();
  }

  private interrupt(): void {
    const threadId = this.session.threadId;
    if (!this.turn || !threadId) return;
    this.session.request('turn/interrupt', { threadId, turnId: this.turn.id }).catch((err: unknown) => {
      // The turn ended before the interrupt arrived: nothing to stop.
      if (err instanceof JsonRpcError && err.code === ErrorCode.invalidRequest) return;
      this.transcript.system('error', `Could not interrupt the turn: ${messageOf(err)}`);
      this.invalidate();
    });
  }

  // --- keys -----------------------------------------------------------------------------------

  private onKey(key: Key): void {
    if (this.quitting) return;
    if (key.name === 'mode-report') {
      // 0: the terminal does not know mode 2026; 4: it can never be set.
      if (key.mode === 2026 && (key.modeValue === 0 || key.modeValue === 4))
        this.renderer.synchronized = false;
      return;
    }
    if (key.name === 'text' && key.ctrl && key.text === 'c' && !this.approvals[0]) {
      this.onCtrlC();
      return;
    }
    // "Twice" means two Ctrl-C in a row: anything typed in between starts over.
    this.lastCtrlC = 0;
    this.hint = undefined;
    const approval = this.approvals[0];
    if (approval) {
      const answer = answerForKey(key, Boolean(proposedRule(approval)?.length));
      if (answer) approval.answer(answer);
      return;
    }
    if (this.picker) this.onPickerKey(key, this.picker);
    else this.onComposerKey(key);
    this.invalidate();
  }

  private onCtrlC(): void {
    const now = this.now();
    const again = now - this.lastCtrlC < QUIT_WINDOW_MS;
    this.lastCtrlC = now;
    if (again) {
      this.quit();
      return;
    }
    if (this.picker) {
      this.picker.onCancel?.();
      this.picker = undefined;
    } else if (this.turn) this.interrupt();
    else if (!this.composer.isEmpty) {
      this.composer.clear();
      this.completion.close();
    }
    this.hint = { text: 'Press Ctrl-C again to quit.', until: now + QUIT_WINDOW_MS };
    this.invalidate();
  }

  private onPickerKey(key: Key, picker: Picker<unknown>): void {
    if (key.name === 'escape') {
      this.picker = undefined;
      picker.onCancel?.();
    } else if (key.name === 'up') picker.move(-1);
    else if (key.name === 'down') picker.move(1);
    else if (key.name === 'backspace') picker.erase();
    else if (key.name === 'enter') {
      const value = picker.current();
      this.picker = undefined;
      if (value !== undefined) picker.onChoose(value);
    } else if (key.name === 'text' && !key.ctrl && !key.alt && key.text) picker.type(key.text);
  }

  private onComposerKey(key: Key): void {
    if (this.completion.onKey(key, (command) => void this.runCommand(command, ''))) return;
    if (key.name === 'escape') {
      if (this.completion.current) this.completion.close();
      else if (this.turn) this.interrupt();
      return;
    }
    if (key.name === 'enter') {
      void this.submit(this.composer.submit());
      this.completion.close();
      return;
    }
    if (key.name === 'text' && key.ctrl && key.text === 'd') {
      if (this.composer.isEmpty) this.quit();
      else this.composer.deleteForward();
      return;
    }
    if (key.name === 'text' && key.ctrl && key.text === 'l') {
      this.renderer.clear();
      return;
    }
    if (handleEditingKey(this.composer, key)) this.completion.update();
  }

  /** The skills `$` completes (skills/list for `cwd`; none if it fails, with a warning). */
  private listSkills(cwd: string): Promise<SkillChoice[]> {
    return this.session
      .request<{ data: Array<{ skills: Array<SkillChoice & { enabled: boolean }> }> }>('skills/list', {
        cwds: [cwd],
      })
      .then((answer) => (answer.data[0]?.skills ?? []).filter((s) => s.enabled))
      .catch((err: unknown) => {
        this.transcript.system('warning', `skills could not be listed: ${(err as Error).message}`);
        return [];
      });
  }

  // --- drawing --------------------------------------------------------------------------------

  invalidate(): void {
    if (this.quitting || this.frameTimer) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      this.renderNow();
    }, FRAME_MS);
  }

  private renderNow(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
    this.renderer.render(this.frame(), this.transcript.takeCommitted());
  }

  private onResize(): void {
    const size = this.options.io.size();
    this.renderer.resize(size);
    this.transcript.width = size.columns;
    this.renderNow();
  }

  private frame(): Frame {
    const { columns: width, rows } = this.renderer.size;
    const opened = this.session.opened;
    const approval = this.approvals[0];
    const plan = currentMode(this) === 'plan';
    const sandbox = `${sandboxName(this.nextTurn.sandboxPolicy ?? opened?.sandbox)}${plan ? ' · plan mode' : ''}`;
    const typing = this.questions.typingFor;
    const policy = approvalName(this.nextTurn.approvalPolicy ?? opened?.approvalPolicy, '…');
    const now = this.now();
    return composeFrame({
      width,
      rows,
      now,
      live: this.transcript.liveLines(),
      activity: this.busy
        ? {
            seconds: this.turn ? Math.floor((now - this.turn.startedAt) / 1000) : 0,
            waiting: this.approvals.length > 0,
          }
        : undefined,
      queued: this.queued,
      approval: approval && {
        pending: approval,
        context: { item: this.transcript.item(approval.params.itemId), policy, sandbox, cwd: this.cwd() },
      },
      picker: this.picker,
      composer: this.composer,
      popup: this.completion.current,
      hint: typing
        ? `Type your answer to "${typing.question}" and press enter`
        : this.hint && this.hint.until > now
          ? this.hint.text
          : undefined,
      status: {
        model: this.nextTurn.model ?? opened?.model ?? '…',
        effort: opened?.reasoningEffort ?? null,
        sandbox,
        approvals: policy,
        ...(this.usage ? { usage: this.usage } : {}),
      },
    });
  }

  // --- the end --------------------------------------------------------------------------------

  /**
   * Clears the live region, prints how to continue, and resolves `run`. The terminal stays in raw
   * mode (so a late Ctrl-C cannot kill the process while it shuts down) until `restoreTerminal`.
   */
  private stop(code: number): void {
    if (this.quitting) return;
    // What is committed still goes to the scrollback; then the live region goes away.
    this.renderer.render({ lines: [] }, this.transcript.takeCommitted());
    this.quitting = true;
    if (this.frameTimer) clearTimeout(this.frameTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.keys.dispose();
    for (const off of this.unsubscribe.splice(0)) off();
    for (const pending of [...this.approvals]) pending.answer('cancel');
    this.questions.dismissAll();
    const id = this.session.threadId;
    this.renderer.clear();
    if (id && code === 0)
      this.options.io.write(
        paint(`Session ${id} saved. Continue it with: spool resume ${id}\r\n`, { dim: true }),
      );
    this.session.close();
    this.finished?.(code);
  }

  /** Gives the terminal back as it was (after the session has shut down). */
  restoreTerminal(): void {
    if (this.restored) return;
    this.restored = true;
    this.options.io.leave();
  }
}
