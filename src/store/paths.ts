/**
 * Where sessions live under Spool's home:
 *
 *   $SPOOL_HOME/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDTHH-MM-SS-<thread id>.jsonl   (local time)
 *   $SPOOL_HOME/sessions/…/rollout-….jsonl.lock                                      (while in use)
 *   $SPOOL_HOME/session_index.jsonl                                                  (listing cache)
 */
import path from 'node:path';

export function sessionsDir(home: string): string {
  return path.join(home, 'sessions');
}

export function indexPath(home: string): string {
  return path.join(home, 'session_index.jsonl');
}

export function lockPathFor(rolloutPath: string): string {
  return `${rolloutPath}.lock`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The rollout file of a session created at `at` (local date for the folders, as people browse them). */
export function rolloutPathFor(home: string, id: string, at: Date): string {
  const [y, m, d] = [pad(at.getFullYear(), 4), pad(at.getMonth() + 1), pad(at.getDate())];
  const time = `${y}-${m}-${d}T${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}`;
  return path.join(sessionsDir(home), y, m, d, `rollout-${time}-${id}.jsonl`);
}

const ROLLOUT_NAME = /^rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-(.+)\.jsonl$/;

/** The thread id in a rollout file name, or undefined when the name is not a rollout's. */
export function idFromRolloutName(name: string): string | undefined {
  return ROLLOUT_NAME.exec(name)?.[1];
}
