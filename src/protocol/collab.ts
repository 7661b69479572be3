/**
 * Sub-agents (src/agents/): the shapes that cross layers — the `collab_tool_call` item every front
 * end shows (Codex's exec --json item; the app-server's `collabAgentToolCall`), an agent's status,
 * and what a child's rollout records about where it came from.
 */
import { z } from 'zod';

/** Codex's collab tools as its exec stream names them (`wait` is the `wait_agent` tool). */
export const CollabTool = z.enum([
  'spawn_agent',
  'send_message',
  'followup_task',
  'wait',
  'interrupt_agent',
  'list_agents',
]);
export type CollabTool = z.infer<typeof CollabTool>;

/** An agent's last known status (Codex's `CollabAgentStatus`, snake_case as exec prints it). */
export const CollabAgentStatus = z.enum([
  'pending_init',
  'running',
  'interrupted',
  'completed',
  'errored',
  'shutdown',
  'not_found',
]);
export type CollabAgentStatus = z.infer<typeof CollabAgentStatus>;

const CollabAgentState = z.object({
  status: CollabAgentStatus,
  message: z.string().nullable(),
});

/** One call of a collab tool: who called it, which agents it reached, their states after it. */
export const CollabToolCallThreadItem = z.object({
  id: z.string(),
  type: z.literal('collab_tool_call'),
  tool: CollabTool,
  sender_thread_id: z.string(),
  receiver_thread_ids: z.array(z.string()),
  prompt: z.string().nullable(),
  /** Receiver thread id → its state. */
  agents_states: z.record(z.string(), CollabAgentState),
  status: z.enum(['in_progress', 'completed', 'failed']),
  /** Spool's additions: the caller's path and the receivers' paths (thread ids are Codex's keys). */
  sender_path: z.string().optional(),
  receiver_paths: z.array(z.string()).optional(),
});
export type CollabToolCallThreadItem = z.infer<typeof CollabToolCallThreadItem>;

/**
 * What a child's rollout records about its origin (Codex's `SubAgentSource::ThreadSpawn`): its
 * parent's thread, its path in the tree (`/root/<task>/…`), its role and depth (the root is 0).
 */
export interface SpawnOrigin {
  parent_thread_id: string;
  agent_path: string;
  agent_role?: string;
  depth: number;
}
