/**
 * Restoring a tree after its process stopped (a crash, `kill -9`): the sub-agent sessions that
 * descend from a root session are found by their `spawned_from` links, parents before children.
 * Pure over the session list.
 */
import type { SessionListing } from '../store/session-index.js';

/** `rootId`'s descendants, each after its parent, siblings in the order they were spawned. */
export function descendantSessions(sessions: readonly SessionListing[], rootId: string): SessionListing[] {
  const byParent = new Map<string, SessionListing[]>();
  for (const session of sessions) {
    const parent = session.spawned_from?.parent_thread_id;
    if (!parent) continue;
    byParent.set(parent, [...(byParent.get(parent) ?? []), session]);
  }
  const ordered: SessionListing[] = [];
  const seen = new Set<string>([rootId]);
  let level = [rootId];
  while (level.length > 0) {
    const next: string[] = [];
    for (const id of level) {
      const children = [...(byParent.get(id) ?? [])].sort((a, b) => a.started_at.localeCompare(b.started_at));
      for (const child of children) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        ordered.push(child);
        next.push(child.id);
      }
    }
    level = next;
  }
  return ordered;
}

/** What a restored child is told when the process running it stopped during its turn. */
export const INTERRUPTED_BY_RESTART =
  'The process running you stopped before your turn ended; calls that had not finished were answered "aborted" and were not run again. Continue your task from where you left off; your final answer goes to your parent.';
