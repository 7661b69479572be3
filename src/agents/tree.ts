/**
 * A tree of agents in one process: the root thread (opened by the front end) and the sub-agents
 * it and they spawn, addressed by path. Each sub-agent is a recorded thread of its own (own history,
 * prompt_cache_key and rollout, linked to its parent) sharing the root's spend ledger.
 *
 * Results come back by themselves: when a sub-agent's turn ends, its answer is delivered to its
 * parent's mailbox; a parent waiting in `wait_agent` wakes on it (no polling), and a parent whose
 * turn has ended gets a new turn with it (`[agents] resume_parent`, default on). Interrupting an
 * agent interrupts its subtree.
 */
import type { Thread, UserInput } from '../agent/thread.js';
import type { TurnOutcome } from '../agent/turn.js';
import type { Runtime } from '../config/runtime.js';
import { findGitRoot } from '../context/project-docs.js';
import type { ModelClient } from '../model/types.js';
import type { SpawnOrigin } from '../protocol/collab.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { addCost, addUsage, type Cost, emptyUsage, type Usage, zeroCost } from '../protocol/usage.js';
import { openThread } from '../session/open-thread.js';
import type { Session } from '../session/recorded.js';
import { builtinTools } from '../session/tools.js';
import { SessionNotFoundError, SessionStoreError } from '../store/errors.js';
import { listSessions } from '../store/session-index.js';
import { type OpenedSession, openSession } from '../store/sessions.js';
import type { AgentControl, AgentView, ControlResult, SpawnRequest } from '../tools/collab/control.js';
import { createCollabTools } from '../tools/collab/tools.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { attachMcpTools } from '../tools/mcp/attach.js';
import type { ToolHandler } from '../tools/types.js';
import { childMcpServers } from './child-mcp.js';
import { childSettings } from './child-settings.js';
import { agentControl, type ControlHost } from './control.js';
import { forkedThreadStart } from './fork-start.js';
import { formatAgentMessage } from './mailbox.js';
import type { AgentHandle, AgentNode } from './node.js';
import { childPath, ROOT_PATH } from './path.js';
import { descendantSessions, INTERRUPTED_BY_RESTART } from './restore.js';
import { type AgentRole, loadRoles, type RoleCatalog, unknownRoleMessage } from './roles.js';

/** The text of the last assistant message in `history` (an agent's last answer). */
function lastAnswer(history: readonly HistoryItem[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i];
    if (item?.type === 'message' && item.role === 'assistant')
      return item.content.map((part) => ('text' in part ? part.text : '')).join('');
  }
  return undefined;
}

/** Whether `item` is `sender`'s answer `answer` as its parent received it. */
function mentionsAnswer(item: HistoryItem, sender: string, answer: string): boolean {
  if (item.type !== 'message' || item.role !== 'user') return false;
  const text = item.content.map((part) => ('text' in part ? part.text : '')).join('');
  return text.includes(`Sender: ${sender}\n`) && text.includes(answer);
}

const DEFAULT_MAX_THREADS = 4;
const DEFAULT_MAX_DEPTH = 2;

export interface AgentTreeOptions {
  runtime: Runtime;
  /** Replaces the model client built from the runtime (as openThread's option). */
  createModelClient?: (runtime: Runtime) => ModelClient;
  /**
   * Called for every sub-agent thread as it opens, before its first turn: front ends attach what
   * answers its approval requests (the same channel as the root's) and subscribe to its events.
   */
  onAgentOpened?: (agent: AgentHandle) => void;
  /** The root is not recorded: neither are its sub-agents (and there is nothing to restore). */
  ephemeral?: boolean;
  /** The environment sub-agents' MCP servers start in (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface AgentTotals {
  path: string;
  threadId: string;
  usage: Usage;
  cost: Cost;
}

export class AgentTree {
  private readonly nodes = new Map<string, AgentNode>();
  private root: AgentNode | undefined;
  private readonly roles: RoleCatalog;
  private readonly maxThreads: number;
  private readonly maxDepth: number;
  private readonly resumeParent: boolean;
  /** Turns the tree started that have not ended. */
  private activeTurns = 0;
  private settleWaiters: Array<() => void> = [];
  /** Set by `interruptAll`: nothing new starts by itself any more. */
  private stopped = false;
  /** Paths of spawns still starting (their MCP servers): they count against the limits. */
  private readonly starting = new Set<string>();

  constructor(private readonly options: AgentTreeOptions) {
    const { runtime } = options;
    const agents = runtime.config.agents;
    this.maxThreads = agents?.max_threads ?? DEFAULT_MAX_THREADS;
    this.maxDepth = agents?.max_depth ?? DEFAULT_MAX_DEPTH;
    this.resumeParent = agents?.resume_parent ?? true;
    const cwd = runtime.settings.cwd;
    this.roles = loadRoles({ config: agents, spoolHome: runtime.home, projectRoot: findGitRoot(cwd) ?? cwd });
  }

  /** Problems found loading roles (malformed role files), for the user. */
  get warnings(): string[] {
    return this.roles.warnings;
  }

  /** The collaboration tools of the agent at `path` (the root's, before its thread exists). */
  toolsFor(path: string): ToolHandler[] {
    return createCollabTools(this.controlFor(path));
  }

  /** Makes `thread` the root of the tree (`/root`). */
  attachRoot(thread: Thread): AgentHandle {
    const node = this.newNode({ path: ROOT_PATH, thread, depth: 0 });
    this.root = node;
    return node;
  }

  /** Every agent, the root first, in spawn order. */
  agents(): AgentHandle[] {
    return [...this.nodes.values()];
  }

  /** Runs a turn on the agent at `path` (the root's first turn, say), tracked like the tree's own. */
  runTurn(path: string, input: UserInput): Promise<TurnOutcome> {
    const node = this.nodes.get(path);
    if (!node) throw new Error(`no agent at ${path}`);
    return this.startTurn(node, input);
  }

  /** The outcome of the root's last turn. */
  get rootOutcome(): TurnOutcome | undefined {
    return this.root?.lastOutcome;
  }

  /** Resolves once no turn the tree started is running (answers delivered, parents resumed). */
  settled(): Promise<void> {
    if (this.activeTurns === 0) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** Interrupts every agent and starts nothing more by itself (Ctrl-C, shutdown). */
  interruptAll(): void {
    this.stopped = true;
    for (const node of this.nodes.values()) node.thread.interrupt();
  }

  /** Tokens and cost per agent (this process), the root first. */
  totals(): AgentTotals[] {
    return [...this.nodes.values()].map((node) => ({
      path: node.path,
      threadId: node.thread.id,
      usage: node.thread.totalUsage,
      cost: node.thread.totalCost,
    }));
  }

  /** The whole tree's tokens and cost. */
  treeTotal(): { usage: Usage; cost: Cost } {
    let usage = emptyUsage();
    let cost = zeroCost();
    for (const total of this.totals()) {
      usage = addUsage(usage, total.usage);
      cost = addCost(cost, total.cost);
    }
    return { usage, cost };
  }

  /** Closes every sub-agent thread (the root is its front end's to close). */
  async close(): Promise<void> {
    this.interruptAll();
    const children = [...this.nodes.values()].filter((node) => node !== this.root);
    await Promise.all(children.map((node) => node.close?.()));
  }

  /**
   * Restores the sub-agents of the root's session after its process stopped: every descendant
   * session is resumed in its rollout (same thread id, history and cache key), a child whose turn
   * was cut short continues it (its unfinished calls were answered "aborted", never run again), and
   * an answer its parent never took in is delivered again. Call after `attachRoot` on a resumed
   * root. Returns what could not be restored, for the user.
   */
  async restore(): Promise<string[]> {
    const root = this.root;
    if (!root) throw new Error('attach the root before restoring its tree');
    const home = this.options.runtime.home;
    const warnings: string[] = [];
    const toContinue: AgentNode[] = [];
    for (const listing of descendantSessions(listSessions(home), root.thread.id)) {
      const origin = listing.spawned_from;
      const parent = origin
        ? [...this.nodes.values()].find((n) => n.thread.id === origin.parent_thread_id)
        : undefined;
      if (!origin || !parent) continue;
      const restored = await this.restoreChild(parent, origin, listing.id, warnings);
      if (restored?.unfinished) toContinue.push(restored.node);
    }
    for (const node of toContinue) {
      const text = formatAgentMessage({
        type: 'TASK',
        sender: node.parent?.path ?? ROOT_PATH,
        payload: INTERRUPTED_BY_RESTART,
      });
      this.begin(node, text);
    }
    return warnings;
  }

  private async restoreChild(
    parent: AgentNode,
    origin: SpawnOrigin,
    id: string,
    warnings: string[],
  ): Promise<{ node: AgentNode; unfinished: boolean } | undefined> {
    const home = this.options.runtime.home;
    let opened: OpenedSession;
    try {
      opened = openSession(home, { id });
    } catch (err) {
      if (!(err instanceof SessionStoreError || err instanceof SessionNotFoundError)) throw err;
      warnings.push(`sub-agent ${origin.agent_path} not restored: ${err.message}`);
      return undefined;
    }
    const role = origin.agent_role ? this.roles.roles.get(origin.agent_role) : undefined;
    const recordedModel = opened.read.lastContext?.model || opened.read.meta.model;
    const derived = childSettings(
      parent.thread.settings,
      { path: origin.agent_path, parentPath: parent.path, depth: origin.depth, maxDepth: this.maxDepth },
      role,
      { model: recordedModel },
    );
    if (!derived.ok) {
      opened.release();
      warnings.push(`sub-agent ${origin.agent_path} not restored: ${derived.error}`);
      return undefined;
    }
    // The same MCP servers as when it was spawned (its tool list, and so its cached prefix, holds).
    const mcp = childMcpServers(this.options.runtime.config.mcp_servers, role);
    const { tools, warnings: mcpWarnings } =
      Object.keys(mcp.servers).length === 0
        ? { tools: builtinTools(derived.settings, this.toolsFor(origin.agent_path)), warnings: mcp.warnings }
        : await this.childTools(origin.agent_path, derived.settings, mcp);
    let thread: Thread;
    let session: Session | undefined;
    try {
      ({ thread, session } = openThread(
        { ...this.options.runtime, settings: derived.settings },
        tools,
        { kind: 'resume', opened },
        {
          budget: (this.root ?? parent).thread.budget,
          ...(this.options.createModelClient ? { createModelClient: this.options.createModelClient } : {}),
        },
      ));
    } catch (err) {
      opened.release();
      void tools.close();
      if (!(err instanceof SessionStoreError)) throw err;
      warnings.push(`sub-agent ${origin.agent_path} not restored: ${err.message}`);
      return undefined;
    }
    const node = this.newNode({
      path: origin.agent_path,
      thread,
      depth: origin.depth,
      parentPath: parent.path,
      parent,
      ...(origin.agent_role ? { role: origin.agent_role } : {}),
      ...(session ? { session } : {}),
      origin,
    });
    node.close = () => thread.close();
    const unfinished = opened.read.unfinishedTurn !== undefined;
    const answer = lastAnswer(thread.history);
    node.status = unfinished ? 'interrupted' : 'completed';
    node.message = answer ?? null;
    this.options.onAgentOpened?.(node);
    for (const message of mcpWarnings) thread.events.emit({ type: 'warning', message });
    // An answer that reached only the parent's memory before the stop is delivered again.
    if (
      !unfinished &&
      answer !== undefined &&
      !parent.thread.history.some((item) => mentionsAnswer(item, node.path, answer))
    ) {
      const text = formatAgentMessage({
        type: 'FINAL_ANSWER',
        sender: node.path,
        status: 'completed',
        payload: answer,
      });
      this.deliver(parent, text, node, parent !== this.root);
    }
    return { node, unfinished };
  }

  private newNode(handle: AgentHandle & { parent?: AgentNode }): AgentNode {
    const node: AgentNode = {
      ...handle,
      children: [],
      status: 'pending_init',
      message: null,
      waiters: new Set(),
    };
    this.nodes.set(node.path, node);
    handle.parent?.children.push(node);
    // Interrupting an agent interrupts the agents it spawned.
    node.thread.subscribe((event: SpoolEvent) => {
      if (event.type === 'turn.interrupted') for (const child of node.children) this.interruptSubtree(child);
    });
    return node;
  }

  private busy(node: AgentNode): boolean {
    return node.turn !== undefined || node.thread.running;
  }

  /** Agents running now; the root always counts (it is the one that asks). */
  private runningAgents(): AgentNode[] {
    return [...this.nodes.values()].filter((node) => node === this.root || this.busy(node));
  }

  private view(node: AgentNode): AgentView {
    return {
      path: node.path,
      threadId: node.thread.id,
      status: this.busy(node) ? 'running' : node.status,
      message: node.message,
      ...(node.role ? { role: node.role } : {}),
      pendingMessages: node.thread.pendingMail,
    };
  }

  /**
   * Starts a turn on `node` and follows it to its end. The promise is the thread's own: a turn that
   * throws (its log cannot be written) rejects it for the caller, and ends as failed for the tree.
   */
  private startTurn(node: AgentNode, input: UserInput): Promise<TurnOutcome> {
    node.status = 'running';
    this.activeTurns++;
    const turn = node.thread.runTurn(input);
    const ended = turn.catch(
      (err: unknown): TurnOutcome => ({
        status: 'failed',
        usage: emptyUsage(),
        error: { kind: 'bad_response', message: (err as Error).message, retryable: false },
      }),
    );
    node.turn = ended;
    void ended.then((outcome) => this.turnEnded(node, outcome));
    return turn;
  }

  /** Starts a turn the tree follows by itself (its failure is the turn's outcome, see startTurn). */
  private begin(node: AgentNode, input: UserInput): void {
    this.startTurn(node, input).catch((err: unknown) => {
      // Already recorded as the turn's outcome by startTurn; said here so it is not lost either.
      node.thread.events.emit({ type: 'warning', message: `${node.path}: ${(err as Error).message}` });
    });
  }

  private turnEnded(node: AgentNode, outcome: TurnOutcome): void {
    node.turn = undefined;
    node.lastOutcome = outcome;
    this.activeTurns--;
    node.status =
      outcome.status === 'completed' ? 'completed' : outcome.status === 'failed' ? 'errored' : 'interrupted';
    node.message =
      outcome.status === 'completed'
        ? (outcome.finalMessage ?? '')
        : outcome.status === 'failed'
          ? outcome.error.message
          : 'interrupted';
    if (
      outcome.status !== 'interrupted' &&
      !this.stopped &&
      node.thread.pendingMail > 0 &&
      this.resumeParent
    ) {
      // Messages that came after the turn's last look: it goes on with them.
      this.begin(node, node.thread.takeMail().join('\n\n'));
    } else if (node.parent) {
      const text = formatAgentMessage({
        type: 'FINAL_ANSWER',
        sender: node.path,
        status: node.status,
        payload: node.message,
      });
      // An interrupted child tells its parent, but does not wake it into a new turn.
      this.deliver(node.parent, text, node, outcome.status !== 'interrupted');
    }
    if (this.activeTurns === 0) for (const resolve of this.settleWaiters.splice(0)) resolve();
  }

  /** Puts a message in `to`'s mailbox, wakes its waits, and (if asked) starts its turn when idle. */
  private deliver(to: AgentNode, text: string, sender: AgentNode | undefined, resume: boolean): void {
    to.thread.deliverMessage(text);
    for (const wake of [...to.waiters]) wake(sender);
    to.waiters.clear();
    if (resume && this.resumeParent && !this.stopped && !this.busy(to))
      this.begin(to, to.thread.takeMail().join('\n\n'));
  }

  private interruptSubtree(node: AgentNode): void {
    node.thread.interrupt();
    for (const child of node.children) this.interruptSubtree(child);
  }

  private controlFor(path: string): AgentControl {
    return agentControl(this.host, path);
  }

  /** What the tools' port may do with the tree (control.ts). */
  private readonly host: ControlHost = {
    node: (path) => this.nodes.get(path),
    starting: (path) => this.starting.has(path),
    all: () => [...this.nodes.values()],
    root: () => this.root,
    stopped: () => this.stopped,
    busy: (node) => this.busy(node),
    view: (node) => this.view(node),
    deliver: (to, text, sender, resume) => this.deliver(to, text, sender, resume),
    begin: (node, input) => this.begin(node, input),
    limitError: () => this.limitError(),
    interruptSubtree: (node) => this.interruptSubtree(node),
    spawn: (caller, request) => this.spawn(caller, request),
  };

  private limitError(): string | undefined {
    const running = [...this.runningAgents().map((n) => n.path), ...this.starting];
    if (running.length < this.maxThreads) return undefined;
    return `Too many agents running: ${running.length} of ${this.maxThreads}, the root included (${running.join(', ')}). Wait for one to finish (wait_agent), then try again; [agents] max_threads raises the limit.`;
  }

  /**
   * A sub-agent's tools: built-in and collaboration tools, and the MCP servers `selected` from the
   * root's config by its role (child-mcp.ts), started for it (closed with its thread). A server that fails to start
   * is a warning; the agent goes on without it.
   */
  private async childTools(
    path: string,
    settings: ThreadSettings,
    selected: ReturnType<typeof childMcpServers>,
  ): Promise<{ tools: ThreadTools; warnings: string[] }> {
    const { runtime } = this.options;
    const warnings = [...selected.warnings];
    const tools = await attachMcpTools(builtinTools(settings, this.toolsFor(path)), {
      servers: selected.servers,
      spoolHome: runtime.home,
      env: this.options.env ?? process.env,
      cwd: settings.cwd,
      sandbox: settings.sandbox,
      onWarning: (message) => warnings.push(message),
      onStartup: (update) => {
        if (update.status === 'failed')
          warnings.push(
            `MCP server "${update.server}" failed to start for ${path}: ${update.error ?? 'unknown error'}; the agent goes on without it`,
          );
      },
    });
    return { tools, warnings };
  }

  private async spawn(caller: AgentNode, request: SpawnRequest): Promise<ControlResult<AgentView>> {
    if (this.stopped)
      return { ok: false, error: 'The agent tree is shutting down: no agent can be spawned.' };
    const depth = caller.depth + 1;
    if (depth > this.maxDepth)
      return {
        ok: false,
        error: `Depth limit reached: ${caller.path} is at depth ${caller.depth} and agents may be at most ${this.maxDepth} below /root ([agents] max_depth). Do this part yourself.`,
      };
    const path = childPath(caller.path, request.taskName);
    if (this.nodes.has(path) || this.starting.has(path))
      return {
        ok: false,
        error: `An agent ${path} already exists: use followup_task to give it more work, or another task_name.`,
      };
    let role: AgentRole | undefined;
    if (request.agentType !== undefined) {
      role = this.roles.roles.get(request.agentType);
      if (!role) return { ok: false, error: unknownRoleMessage(request.agentType, this.roles) };
    }
    const limit = this.limitError();
    if (limit) return { ok: false, error: limit };
    const derived = childSettings(
      caller.thread.settings,
      { path, parentPath: caller.path, depth, maxDepth: this.maxDepth },
      role,
      request,
    );
    if (!derived.ok) return derived;
    const settings = derived.settings;
    const mcp = childMcpServers(this.options.runtime.config.mcp_servers, role);
    let started: { tools: ThreadTools; warnings: string[] };
    if (Object.keys(mcp.servers).length === 0) {
      // No server to wait for: the agent exists before this call yields, so a send_message in the
      // same response finds it.
      started = { tools: builtinTools(settings, this.toolsFor(path)), warnings: mcp.warnings };
    } else {
      this.starting.add(path);
      try {
        started = await this.childTools(path, settings, mcp);
      } finally {
        this.starting.delete(path);
      }
    }
    const { tools, warnings } = started;
    if (this.stopped) {
      await tools.close();
      return { ok: false, error: 'The agent tree is shutting down: no agent can be spawned.' };
    }
    const runtime: Runtime = { ...this.options.runtime, settings };
    const origin: SpawnOrigin = {
      parent_thread_id: caller.thread.id,
      agent_path: path,
      ...(role ? { agent_role: role.name } : {}),
      depth,
    };
    let opened: ReturnType<typeof openThread>;
    try {
      opened = openThread(
        runtime,
        tools,
        // An unrecorded (ephemeral) root has unrecorded children: nothing outlives it on disk.
        this.options.ephemeral
          ? { kind: 'ephemeral', ...forkedThreadStart(settings, caller.thread.history, request.forkTurns) }
          : {
              kind: 'new',
              spawnedFrom: origin,
              ...forkedThreadStart(settings, caller.thread.history, request.forkTurns),
            },
        {
          budget: (this.root ?? caller).thread.budget,
          ...(this.options.createModelClient ? { createModelClient: this.options.createModelClient } : {}),
        },
      );
    } catch (err) {
      await tools.close();
      return { ok: false, error: `The agent could not be started: ${(err as Error).message}` };
    }
    const thread = opened.thread;
    const node = this.newNode({
      path,
      thread,
      depth,
      parentPath: caller.path,
      parent: caller,
      ...(role ? { role: role.name } : {}),
      ...(opened.session ? { session: opened.session } : {}),
      origin,
    });
    node.close = () => thread.close();
    this.options.onAgentOpened?.(node);
    for (const message of warnings) thread.events.emit({ type: 'warning', message });
    thread.announce();
    this.begin(node, request.message);
    return { ok: true, value: this.view(node) };
  }
}
