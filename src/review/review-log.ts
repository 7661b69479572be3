/**
 * Where reviews are kept. A review's session (the reviewer's rollout) holds its result — the
 * `exited_review_mode` item — and every reaction to its findings (`review.feedback` events,
 * appended by `spool review feedback`). A small index under `$SPOOL_HOME/reviews/` lists the reviews
 * with what stats group by (model, repository), so `spool review stats` reads only review sessions.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SpoolEvent } from '../protocol/events.js';
import { ReviewFeedback, ReviewResult, type ReviewTarget } from '../protocol/review.js';
import { AppendOnlyFile } from '../store/append-file.js';
import { lineTypeOf, serializeLine } from '../store/format.js';
import { openSession } from '../store/sessions.js';

export interface ReviewIndexEntry {
  review_id: string;
  /** ISO 8601, when the review finished. */
  created_at: string;
  session_path: string;
  model: string;
  /** The repository reviewed: its `origin` remote, else its top directory. */
  repository: string;
  target: ReviewTarget;
}

export interface ReviewRecord {
  result: ReviewResult | null;
  /** Reactions in the order they were given (a later one on the same finding replaces an earlier). */
  feedback: ReviewFeedback[];
}

function reviewsDir(home: string): string {
  return path.join(home, 'reviews');
}

/** Adds a review to the index (written whole under a temporary name, then renamed). */
export function writeReviewIndex(home: string, entry: ReviewIndexEntry): void {
  const dir = reviewsDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${entry.review_id}.json`);
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** Every indexed review; entries that cannot be read are reported through `onProblem` and skipped. */
export function listReviewIndex(home: string, onProblem: (message: string) => void): ReviewIndexEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(reviewsDir(home)).filter((name) => name.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: ReviewIndexEntry[] = [];
  for (const name of names.sort()) {
    const file = path.join(reviewsDir(home), name);
    try {
      const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as ReviewIndexEntry;
      if (typeof entry.review_id !== 'string' || typeof entry.session_path !== 'string')
        throw new Error('not a review index entry');
      entries.push(entry);
    } catch (err) {
      onProblem(`skipped ${file}: ${(err as Error).message}`);
    }
  }
  return entries;
}

/** The result and reactions kept in a review's session log (only its event lines are parsed). */
export function readReviewRecord(sessionPath: string): ReviewRecord {
  const record: ReviewRecord = { result: null, feedback: [] };
  for (const line of fs.readFileSync(sessionPath, 'utf8').split('\n')) {
    if (lineTypeOf(line) !== 'event') continue;
    if (!line.includes('"exited_review_mode"') && !line.includes('"review.feedback"')) continue;
    let event: SpoolEvent;
    try {
      event = (JSON.parse(line) as { payload: SpoolEvent }).payload;
    } catch (err) {
      if (err instanceof SyntaxError) continue; // a torn last line
      throw err;
    }
    if (event.type === 'item.completed' && event.item.type === 'exited_review_mode') {
      const parsed = ReviewResult.nullable().safeParse(event.item.result);
      if (parsed.success) record.result = parsed.data;
    } else if (event.type === 'review.feedback') {
      const parsed = ReviewFeedback.safeParse(event.feedback);
      if (parsed.success) record.feedback.push(parsed.data);
    }
  }
  return record;
}

export class FeedbackError extends Error {
  override readonly name = 'FeedbackError';
}

/**
 * Appends a reaction to finding `finding` (1-based) to the review's session, holding the session's
 * lock while it writes. Throws FeedbackError when the review or the finding does not exist, and the
 * store's errors (SessionNotFoundError, SessionLockedError) as they are.
 */
export function recordFeedback(
  home: string,
  reviewRef: string,
  feedback: Omit<ReviewFeedback, 'review_id'>,
): ReviewFeedback {
  const opened = openSession(home, { id: reviewRef });
  try {
    const { result } = readReviewRecord(opened.read.path);
    const id = opened.read.meta.id;
    if (!result) throw new FeedbackError(`session ${id} holds no review result`);
    if (feedback.finding > result.findings.length)
      throw new FeedbackError(
        `review ${id} has ${result.findings.length} finding(s); there is no finding ${feedback.finding}`,
      );
    const full: ReviewFeedback = { review_id: id, ...feedback };
    const log = AppendOnlyFile.reopen(opened.read.path, opened.read.completeBytes);
    try {
      log.append(
        serializeLine('event', { type: 'review.feedback', feedback: full } satisfies SpoolEvent),
        true,
      );
    } finally {
      log.close();
    }
    return full;
  } finally {
    opened.release();
  }
}
