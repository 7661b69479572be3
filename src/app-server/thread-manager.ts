/**
 * The threads one server has loaded: starting, resuming and forking them the way `spool exec`
 * does (recorded through src/store/ unless ephemeral), and unloading them when no connection is
 * subscribed any more.
 */
import type { Thread } from '../agent/thread.js';
import { ROOT_PATH } from '../agents/path.js';
import { AgentTree } from '../agents/tree.js';
import { spoolHome } from '../config/home.js';
import type { Runtime } from '../config/runtime.js';
import { attachGuardian } from '../guardian/attach.js';
import {
  forkMediaSession,
  isMediaSession,
  MediaSetupError,
  type MediaThread,
  prepareMediaThread,
} from '../media/media-thread.js';
import {
  type OpenedThread as OpenedSessionThread,
  openThread,
  type RecordedStart,
  type ThreadStart,
} from '../session/open-thread.js';
import type { Session } from '../session/recorded.js';
import {
  SessionLockedError,
  SessionNotFoundError,
  SessionStoreError,
  TurnOutOfRangeError,
} from '../store/errors.js';
import { readRollout } from '../store/rollout-reader.js';
import { forkSession, type OpenedSession, openSession } from '../store/sessions.js';
import type { ToolHandler } from '../tools/types.js';
import type { Connection } from './connection.js';
import { ErrorCode, invalidParams, invalidRequest, RpcError } from './jsonrpc.js';
import { LoadedThread } from './loaded-thread.js';
import type { ThreadOverrides, ThreadStartParams } from './params.js';
import { loadThreadRuntime, type ServerContext, threadFlags } from './runtime.js';
import { findStoredThread, readRecordedTurns, type StoredThread } from './stored-threads.js';
import { threadObject, type V2Turn } from './v2-shapes.js';

interface OpenedThread {
  loaded: LoadedThread;
  turns: V2Turn[];
  /** Problems found reading its log (a torn last line), for the client. */
  warnings?: string[];
}

function storeFailure(err: unknown): never {
  if (err instanceof SessionLockedError) throw invalidRequest(err.message);
  if (err instanceof SessionNotFoundError || err instanceof TurnOutOfRangeError)
    throw invalidParams(err.message);
  if (err instanceof SessionStoreError)
    throw new RpcError(ErrorCode.internalError, `session store: ${err.message}`);
  throw err;
}

/** A media thread for `thread/start`'s `media` (or a resumed media session); bad input is invalid params. */
function mediaThread(
  runtime: Runtime,
  input: NonNullable<ThreadStartParams['media']>,
  resumedId?: string,
): MediaThread {
  try {
    return prepareMediaThread(
      runtime,
      {
        ...(input.out != null ? { out: input.out } : {}),
        ...(input.budgetUsd != null ? { budgetUsd: input.budgetUsd } : {}),
        ...(input.brand != null ? { brand: input.brand } : {}),
        notify: () => {},
      },
      resumedId,
    );
  } catch (err) {
    if (err instanceof MediaSetupError) throw invalidParams(err.message);
    throw err;
  }
}

/** Which tools a thread opens with: a media thread's own set, or the server's plus extra ones. */
interface ThreadToolChoice {
  media?: MediaThread;
  extraTools?: ToolHandler[];
}

export class ThreadManager {
  private readonly loaded = new Map<string, LoadedThread>();
  /** Each root thread's tree of sub-agents (src/agents/), by the root's id. */
  private readonly trees = new Map<string, AgentTree>();

  constructor(private readonly ctx: ServerContext) {}

  get home(): string {
    return spoolHome(this.ctx.env);
  }

  get(id: string): LoadedThread | undefined {
    return this.loaded.get(id);
  }

  /** A loaded thread this connection may drive. */
  require(id: string): LoadedThread {
    const loaded = this.loaded.get(id);
    if (!loaded)
      throw invalidRequest(
        `thread ${id} is not loaded; call thread/start, thread/resume or thread/fork first`,
      );
    return loaded;
  }

  /** A thread this connection may drive: loaded, and subscribed to by it. */
  requireFor(connection: Connection, id: string): LoadedThread {
    const loaded = this.require(id);
    if (!loaded.hasSubscriber(connection)) loaded.subscribe(connection);
    return loaded;
  }

  loadedIds(): string[] {
    return [...this.loaded.keys()];
  }

  start(params: ThreadOverrides & Pick<ThreadStartParams, 'ephemeral' | 'media'>): LoadedThread {
    const flags = threadFlags(this.ctx.flags, params);
    let runtime = loadThreadRuntime(this.ctx, flags, params);
    const media = params.media ? mediaThread(runtime, params.media) : undefined;
    if (media) runtime = media.runtime;
    const tree = this.newTree(runtime, flags, Boolean(params.ephemeral));
    let thread: Thread;
    let session: Session | undefined;
    try {
      ({ thread, session } = this.openThread(
        runtime,
        params.ephemeral ? { kind: 'ephemeral' } : { kind: 'new' },
        media ? { media } : { extraTools: tree.toolsFor(ROOT_PATH) },
      ));
    } catch (err) {
      storeFailure(err);
    }
    media?.opened(thread.id);
    tree.attachRoot(thread);
    this.trees.set(thread.id, tree);
    return this.add(
      runtime,
      new LoadedThread({
        thread,
        session,
        ctx: this.ctx,
        flags,
        modelProvider: runtime.providerId,
        createdAtMs: Date.now(),
      }),
    );
  }

  /** Loads a recorded thread (or joins it when this server has it loaded already). */
  resume(id: string, params: ThreadOverrides): OpenedThread {
    const existing = this.loaded.get(id);
    if (existing) return { loaded: existing, turns: this.turnsOf(existing) };
    const stored = this.stored(id);
    const warnings: string[] = [];
    const resumed = this.openRecorded(stored, params, undefined, warnings);
    return { loaded: resumed, turns: readRecordedTurns(resumed.session!.path).turns, warnings };
  }

  /** A new thread with the history of `id` (through `lastTurnId`, inclusive). */
  fork(
    id: string,
    params: ThreadOverrides & { lastTurnId?: string | null; ephemeral?: boolean | null },
  ): OpenedThread {
    const source = this.loaded.get(id);
    if (source && !source.session)
      throw invalidRequest(`thread ${id} is ephemeral (not recorded), so it cannot be forked`);
    const stored = this.stored(id);
    const file = stored.listing.path;
    const sourceTurns = readRecordedTurns(file).turns;
    let at: number | undefined;
    if (params.lastTurnId != null) {
      const index = sourceTurns.findIndex((turn) => turn.id === params.lastTurnId);
      if (index < 0) throw invalidParams(`turn ${params.lastTurnId} is not a turn of thread ${id}`);
      at = index + 1;
    }
    const turns = at === undefined ? sourceTurns : sourceTurns.slice(0, at);
    if (params.ephemeral) {
      // A media thread's journal (spend, out folder, brand) lives with a recorded session.
      if (isMediaSession(this.home, id))
        throw invalidRequest(
          `thread ${id} is a media session; fork it without ephemeral so the fork keeps its budget and out folder`,
        );
      const read = readRollout(file, at === undefined ? {} : { throughTurn: at });
      const recorded = read.lastContext ?? read.meta;
      const flags = threadFlags(this.ctx.flags, {
        ...params,
        cwd: params.cwd ?? recorded.cwd,
        model: params.model ?? recorded.model,
      });
      const runtime = loadThreadRuntime(this.ctx, flags, params);
      const { thread } = this.openThread(runtime, {
        kind: 'ephemeral',
        history: read.history,
        ...(read.lastContext ? { contextSnapshot: read.lastContext } : {}),
      });
      const loaded = this.add(
        runtime,
        new LoadedThread({
          thread,
          ctx: this.ctx,
          flags,
          modelProvider: runtime.providerId,
          createdAtMs: Date.now(),
          forkedFromId: id,
          git: read.meta.git,
          preview: stored.listing.first_prompt ?? '',
        }),
      );
      return { loaded, turns };
    }
    let forked: ReturnType<typeof forkSession>;
    try {
      forked = forkSession(this.home, { id }, at === undefined ? {} : { at });
      // A fork of a media thread stays one (its settings and spend carried; docs/media.md).
      forkMediaSession(this.home, id, forked.id);
    } catch (err) {
      storeFailure(err);
    }
    const loaded = this.openRecorded(this.stored(forked.id), params, id);
    return { loaded, turns: readRecordedTurns(loaded.session!.path).turns };
  }

  /**
   * A resumed root brings back its sub-agents (thread/resume, once the caller is subscribed): each
   * is loaded as a thread of its own, shown to the root's clients. What could not be restored.
   */
  async restoreAgents(root: LoadedThread): Promise<string[]> {
    const tree = this.trees.get(root.id);
    if (!tree || tree.agents().length > 1) return [];
    return tree.restore();
  }

  /** A tree whose sub-agents are loaded threads, shown to the connections of its root. */
  private newTree(runtime: Runtime, flags: ReturnType<typeof threadFlags>, ephemeral = false): AgentTree {
    const tree: AgentTree = new AgentTree({
      runtime,
      ephemeral,
      createModelClient: this.ctx.createModelClient,
      onAgentOpened: (agent) => {
        const rootId = tree.agents()[0]?.thread.id;
        const root = rootId ? this.loaded.get(rootId) : undefined;
        const child = this.add(
          { ...runtime, settings: agent.thread.settings },
          new LoadedThread({
            thread: agent.thread,
            ...(agent.session ? { session: agent.session } : {}),
            ctx: this.ctx,
            flags,
            modelProvider: runtime.providerId,
            createdAtMs: Date.now(),
            ...(agent.origin ? { spawnedFrom: agent.origin } : {}),
          }),
        );
        // The parent's clients see the child: its notifications and approval requests carry its id.
        for (const connection of root?.connections ?? []) {
          child.subscribe(connection);
          connection.notify('thread/started', { thread: threadObject(child.info(), child.status()) });
        }
      },
    });
    return tree;
  }

  /** The connection went away: threads nobody is subscribed to any more are closed. */
  connectionClosed(connection: Connection): void {
    for (const loaded of [...this.loaded.values()]) {
      if (!loaded.hasSubscriber(connection)) continue;
      if (loaded.unsubscribe(connection)) this.track(this.unload(loaded.id));
    }
  }

  /** Unloads still closing (their connection went away); `closeAll` waits for them too. */
  private readonly unloading = new Set<Promise<void>>();

  private track(unload: Promise<void>): void {
    this.unloading.add(unload);
    const settled = () => {
      this.unloading.delete(unload);
    };
    unload.then(settled, settled);
  }

  /** Closes a loaded thread: its turn is interrupted, its log flushed, its lock released. */
  async unload(id: string): Promise<void> {
    const loaded = this.loaded.get(id);
    if (!loaded) return;
    this.loaded.delete(id);
    // A root takes its sub-agents with it.
    const tree = this.trees.get(id);
    if (tree) {
      this.trees.delete(id);
      tree.interruptAll();
      for (const agent of tree.agents().slice(1)) await this.unload(agent.thread.id);
    }
    loaded.notifyAll('thread/closed', { threadId: id });
    await loaded.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.loaded.keys()].map((id) => this.unload(id)));
    await Promise.allSettled([...this.unloading]);
  }

  turnsOf(loaded: LoadedThread): V2Turn[] {
    if (!loaded.session) return loaded.liveTurns;
    return readRecordedTurns(loaded.session.path, loaded.activeTurnId).turns;
  }

  stored(id: string): StoredThread {
    let found: StoredThread | undefined;
    try {
      found = findStoredThread(this.home, id);
    } catch (err) {
      storeFailure(err);
    }
    if (!found) throw invalidParams(`no recorded thread has the id ${id}`);
    if (found.archived) throw invalidRequest(`thread ${id} is archived`);
    return found;
  }

  /**
   * Registers a loaded thread; with `approvals_reviewer = "auto_review"` the guardian reviews its
   * approvals first, and escalations reach the clients subscribed to it (none: a denial).
   */
  private add(runtime: Runtime, loaded: LoadedThread): LoadedThread {
    loaded.setGuardian(
      attachGuardian(loaded.thread, runtime, {
        humanAttached: () => loaded.subscriberCount > 0,
        createModelClient: this.ctx.createModelClient,
      }),
    );
    this.loaded.set(loaded.id, loaded);
    this.ctx.threadLoaded?.(loaded.thread, loaded.modelProvider, loaded.info().spawnedFrom?.parent_thread_id);
    return loaded;
  }

  /** A thread with this server's tools and model client; its tools are closed when it cannot start. */
  private openThread(
    runtime: Runtime,
    start: RecordedStart,
    tools?: ThreadToolChoice,
  ): Required<OpenedSessionThread>;
  private openThread(runtime: Runtime, start: ThreadStart, tools?: ThreadToolChoice): OpenedSessionThread;
  private openThread(
    runtime: Runtime,
    start: ThreadStart,
    choice: ThreadToolChoice = {},
  ): OpenedSessionThread {
    // A media thread has its own tool set (no collaboration tools); others get the server's tools
    // plus their tree's collaboration tools.
    const tools = choice.media
      ? choice.media.tools
      : this.ctx.createTools(runtime.settings, choice.extraTools ?? []);
    try {
      return openThread(runtime, tools, start, { createModelClient: this.ctx.createModelClient });
    } catch (err) {
      void tools.close();
      throw err;
    }
  }

  /** Locks a recorded session and loads it (a resume, or a fork just written). */
  private openRecorded(
    stored: StoredThread,
    params: ThreadOverrides,
    forkedFromId?: string,
    warnings: string[] = [],
  ): LoadedThread {
    let opened: OpenedSession;
    try {
      opened = openSession(this.home, { id: stored.listing.id });
    } catch (err) {
      storeFailure(err);
    }
    warnings.push(...opened.warnings);
    let session: Session;
    let runtime: Runtime;
    let flags: ReturnType<typeof threadFlags>;
    let beforeFirstTurn: ((signal: AbortSignal) => Promise<string | undefined>) | undefined;
    let tree: AgentTree;
    try {
      // A resumed thread keeps its directory and model unless the client says otherwise.
      const recorded = opened.read.lastContext ?? opened.read.meta;
      flags = threadFlags(this.ctx.flags, {
        ...params,
        cwd: params.cwd ?? recorded.cwd,
        model: params.model ?? recorded.model,
      });
      runtime = loadThreadRuntime(this.ctx, flags, params);
      // A media session resumes as one: its tools, and the instructions and brand it began with.
      const id = opened.read.meta.id;
      const media = isMediaSession(this.home, id) ? mediaThread(runtime, {}, id) : undefined;
      if (media) runtime = media.runtime;
      tree = this.newTree(runtime, flags);
      ({ session } = this.openThread(
        runtime,
        { kind: 'resume', opened },
        media ? { media } : { extraTools: tree.toolsFor(ROOT_PATH) },
      ));
      media?.opened(session.thread.id);
      beforeFirstTurn = media ? (signal) => media.recover(signal) : undefined;
    } catch (err) {
      opened.release();
      storeFailure(err);
    }
    tree.attachRoot(session.thread);
    this.trees.set(session.thread.id, tree);
    const meta = opened.read.meta;
    return this.add(
      runtime,
      new LoadedThread({
        thread: session.thread,
        session,
        ctx: this.ctx,
        flags,
        modelProvider: meta.model_provider,
        createdAtMs: Date.parse(meta.timestamp),
        forkedFromId: forkedFromId ?? meta.forked_from?.thread_id,
        git: meta.git,
        preview: stored.listing.first_prompt ?? '',
        ...(beforeFirstTurn ? { beforeFirstTurn } : {}),
      }),
    );
  }
}
