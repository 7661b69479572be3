/**
 * What the collaboration tools need from the agent tree they belong to, as a port: src/agents/
 * implements it (one per agent, bound to the caller) and passes it in when it builds the agent's
 * tools, since tools/ may not import what lies above the loop.
 */
import type { CollabAgentStatus } from '../../protocol/collab.js';

/** One agent as a tool sees it. */
export interface AgentView {
  path: string;
  threadId: string;
  status: CollabAgentStatus;
  /** Its last final answer, or why it stopped (null while it has none). */
  message: string | null;
  role?: string;
  /** How many messages wait in its mailbox. */
  pendingMessages?: number;
}

/** A result, or an error the model can act on (it becomes the tool's output). */
export type ControlResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SpawnRequest {
  taskName: string;
  message: string;
  agentType?: string;
  /** `none` (fresh context), `all`, or the last N turns of the caller's conversation. */
  forkTurns: 'none' | 'all' | number;
  model?: string;
  reasoningEffort?: string;
}

export interface WaitResult {
  timedOut: boolean;
  /** What the wait found or why it did not wait (clamped timeout, nothing running). */
  message: string;
  /** The agents whose messages arrived while waiting. */
  senders: AgentView[];
}

/** The tree, from one agent's point of view (targets resolve against its path). */
export interface AgentControl {
  /** The calling agent. */
  self(): { path: string; threadId: string };
  spawn(request: SpawnRequest): Promise<ControlResult<AgentView>>;
  /** Queues a message in the target's mailbox; no turn is started. */
  sendMessage(target: string, message: string): ControlResult<AgentView>;
  /** Gives the target a new task: a turn starts when it is idle, else the running turn takes it. */
  followupTask(target: string, message: string): ControlResult<AgentView>;
  /** Waits until a message reaches the caller's mailbox, or the (clamped) timeout passes. */
  wait(timeoutMs: number | undefined, signal: AbortSignal): Promise<ControlResult<WaitResult>>;
  /** Interrupts the target's running turn and its subtree's. */
  interrupt(target: string): ControlResult<AgentView>;
  list(pathPrefix?: string): ControlResult<AgentView[]>;
}
