/**
 * `spool review feedback REVIEW_ID FINDING up|down [--reason TEXT]` records how a finding was
 * received, in the review's session; `spool review stats [--since WHEN] [--json]` reports acceptance
 * per priority, model and repository.
 */
import { spoolHome } from '../config/home.js';
import { FeedbackError, listReviewIndex, readReviewRecord, recordFeedback } from '../review/review-log.js';
import { parseSince, renderStats, reviewStats } from '../review/stats.js';
import { SessionLockedError, SessionNotFoundError } from '../store/errors.js';
import { terminalSafe } from '../text/terminal-safe.js';
import type { ExecIo } from './exec.js';
import { EXIT } from './exit-codes.js';

export function runReviewFeedback(
  args: { reviewId: string; finding: string; reaction: string; reason?: string },
  io: Pick<ExecIo, 'stdout' | 'stderr' | 'env'>,
): number {
  const say = (line: string) => io.stderr.write(`${terminalSafe(line)}\n`);
  const finding = Number(args.finding);
  if (!Number.isInteger(finding) || finding < 1) {
    say(`spool review feedback: FINDING is the finding's number (1 or more), not ${args.finding}`);
    return EXIT.usage;
  }
  if (args.reaction !== 'up' && args.reaction !== 'down') {
    say(`spool review feedback: the reaction is up or down, not ${args.reaction}`);
    return EXIT.usage;
  }
  try {
    const recorded = recordFeedback(spoolHome(io.env), args.reviewId, {
      finding,
      reaction: args.reaction,
      ...(args.reason?.trim() ? { reason: args.reason.trim() } : {}),
    });
    io.stdout.write(
      `Recorded ${recorded.reaction} for finding ${recorded.finding} of review ${terminalSafe(recorded.review_id)}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (err instanceof SessionNotFoundError || err instanceof FeedbackError) {
      say(`spool review feedback: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof SessionLockedError) {
      say(`spool review feedback: ${err.message} (is the review still running?)`);
      return EXIT.failed;
    }
    throw err;
  }
}

export function runReviewStats(
  args: { since?: string; json?: boolean },
  io: Pick<ExecIo, 'stdout' | 'stderr' | 'env'>,
): number {
  const say = (line: string) => io.stderr.write(`${terminalSafe(line)}\n`);
  let since: Date | undefined;
  if (args.since !== undefined) {
    since = parseSince(args.since);
    if (!since) {
      say(`spool review stats: --since takes a date (2026-01-31) or an age (7d, 24h, 2w), not ${args.since}`);
      return EXIT.usage;
    }
  }
  const home = spoolHome(io.env);
  const reviews = listReviewIndex(home, (problem) => say(`warning: ${problem}`)).flatMap((entry) => {
    try {
      return [{ entry, record: readReviewRecord(entry.session_path) }];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      say(`warning: review ${entry.review_id}: its session ${entry.session_path} is gone`);
      return [];
    }
  });
  const stats = reviewStats(reviews, since);
  // Model and repository names come from the review logs: shown safe on a terminal.
  const text = args.json ? `${JSON.stringify(stats, null, 2)}\n` : `${renderStats(stats)}\n`;
  io.stdout.write(io.stdout.isTTY ? terminalSafe(text) : text);
  return EXIT.ok;
}
