/** An agent of a tree: what front ends see of it, and what the tree keeps about it. */
import type { Thread } from '../agent/thread.js';
import type { TurnOutcome } from '../agent/turn.js';
import type { CollabAgentStatus, SpawnOrigin } from '../protocol/collab.js';
import type { Session } from '../session/recorded.js';

/** One agent as front ends see it. */
export interface AgentHandle {
  path: string;
  thread: Thread;
  depth: number;
  role?: string;
  parentPath?: string;
  /** A sub-agent's recorded session and where it was spawned (absent for the root). */
  session?: Session;
  origin?: SpawnOrigin;
}

/** The tree's own record of an agent. */
export interface AgentNode extends AgentHandle {
  parent?: AgentNode;
  children: AgentNode[];
  status: CollabAgentStatus;
  message: string | null;
  /** The turn the tree started on it, while it runs. */
  turn?: Promise<TurnOutcome>;
  lastOutcome?: TurnOutcome;
  /** Callers of wait_agent on this agent, woken by the next message. */
  waiters: Set<(sender: AgentNode | undefined) => void>;
  close?: () => Promise<void>;
}
