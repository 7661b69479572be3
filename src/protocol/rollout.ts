/**
 * The shapes stored in a rollout file (one JSON object per line; see store/format.ts for the line
 * types and what each holds) and what a thread records about the situation its turns ran in.
 */
import { z } from 'zod';

import type { SpawnOrigin } from './collab.js';

/** What the model has been told about its situation (context/snapshot.ts builds and compares it). */
export interface ContextSnapshot {
  cwd: string;
  shell: string;
  current_date: string;
  timezone: string;
  model: string;
  sandbox_mode: string;
  network_access: boolean;
  writable_roots: string[];
  approval_policy: string;
  /** sha256 of the rendered project instructions ('' when there are none). */
  project_docs_digest: string;
  /** The collaboration mode the model was told about (absent in older logs: `default`). */
  collaboration_mode?: string;
  /** Skill name → a short digest of the skill as the model knows it (absent in older logs). */
  skills?: Record<string, string>;
}

/**
 * The situation a turn ran in, as the model was told it (what a later context update is compared
 * with; resume passes the last one back to the Thread as `contextSnapshot`).
 */
export type TurnContextRecord = { turn_id: string } & ContextSnapshot;

export const FORMAT_VERSION = 1;

export interface GitInfo {
  branch?: string;
  commit?: string;
}

export interface ForkOrigin {
  thread_id: string;
  /** The last turn (1-based) of the parent that the fork contains. */
  turn: number;
}

export interface SessionMeta {
  format_version: number;
  id: string;
  /** ISO 8601 (UTC) time the session (or fork) was created. */
  timestamp: string;
  cwd: string;
  model: string;
  model_provider: string;
  spool_version: string;
  git?: GitInfo;
  forked_from?: ForkOrigin;
  /** A sub-agent's session: its parent, path, role and depth (src/agents/). */
  spawned_from?: SpawnOrigin;
}

export type LineType =
  | 'session_meta'
  | 'initial_context'
  | 'turn_context'
  | 'received'
  | 'tool_output'
  | 'commit'
  | 'item'
  | 'compacted'
  | 'event'
  /** A model request as sent (request-record.ts); history is not changed by it. */
  | 'request';

export interface RolloutLine {
  timestamp: string;
  type: LineType;
  payload: unknown;
}

/**
 * A rollout line as read: an object with a string `type`; its timestamp (a string when Spool wrote
 * it) and its payload, checked by its type's schema below when the line is applied.
 */
export const RolloutLineRecord = z
  .object({ type: z.string(), timestamp: z.unknown().optional(), payload: z.unknown().optional() })
  .transform((line) => ({ type: line.type, timestamp: String(line.timestamp ?? ''), payload: line.payload }));

/** What the first line must say before anything else is read: whose log, and in which format. */
export const SessionMetaHead = z.looseObject({ id: z.string(), format_version: z.unknown() });

export const TurnContextPayload = z.looseObject({ turn_id: z.string() });

/** `commit`: how many received items joined history, or which recorded outputs did. */
export const CommitPayloadSchema = z.object({
  received: z.number().optional(),
  outputs: z.array(z.string()).optional(),
});

/** `compacted`: the history that replaces everything before it, and the fresh initial context. */
export const CompactedPayload = z.looseObject({
  history: z.array(z.unknown()),
  snapshot: z.unknown().optional(),
});

/** `event`: a Spool event (kept events only; see store/format.ts). */
export const EventPayload = z.looseObject({ type: z.string(), turn_id: z.unknown().optional() });
