/** Finding a session: by id, by a unique id prefix, or the most recent one (in a directory). */
import path from 'node:path';
import { SessionNotFoundError } from './errors.js';
import { listSessions, type SessionListing } from './session-index.js';

export type SessionRef =
  /** A thread id, or a prefix of one that matches a single session. */
  | { id: string }
  /** The most recently updated session; with `cwd`, the most recent one started in that directory. */
  | { last: true; cwd?: string };

/** Newest first (by start time). */
export function sortByStart(sessions: SessionListing[]): SessionListing[] {
  return sessions.sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
}

export function findSession(home: string, ref: SessionRef): SessionListing {
  const sessions = listSessions(home);
  if ('last' in ref) {
    const cwd = ref.cwd === undefined ? undefined : path.resolve(ref.cwd);
    const candidates = cwd === undefined ? sessions : sessions.filter((s) => s.cwd === cwd);
    const latest = candidates.reduce<SessionListing | undefined>(
      (best, s) => (!best || s.updated_at > best.updated_at ? s : best),
      undefined,
    );
    if (!latest) {
      throw new SessionNotFoundError(
        cwd === undefined
          ? 'no recorded session yet'
          : `no recorded session in ${cwd} (list them with \`spool sessions\`)`,
      );
    }
    return latest;
  }
  const wanted = ref.id.trim().toLowerCase();
  if (wanted === '') throw new SessionNotFoundError('empty session id');
  const exact = sessions.find((s) => s.id === wanted);
  if (exact) return exact;
  const matches = sessions.filter((s) => s.id.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new SessionNotFoundError(`no session matches ${ref.id}`);
  const shown = sortByStart(matches)
    .slice(0, 5)
    .map((s) => `  ${s.id}  ${s.started_at}  ${s.cwd}`);
  throw new SessionNotFoundError(
    `${ref.id} matches ${matches.length} sessions; give more of the id:\n${shown.join('\n')}`,
  );
}
