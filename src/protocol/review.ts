/**
 * Code review as data: what a review looks at (its target) and what it finds (findings with a
 * priority, a confidence and a place in the repository). One source for every front end: the event
 * stream's review items, `exec --json`, the app-server, SARIF and GitHub payloads are built from these.
 *
 * Target names follow Codex's app-server v2 (`uncommittedChanges`, `baseBranch`, `commit`, `custom`);
 * the findings follow the review schema Spool asks the reviewer for (snake_case, as it is sent).
 */
import { z } from 'zod';

export const ReviewTarget = z.discriminatedUnion('type', [
  /** The working tree: staged, unstaged and untracked files. */
  z.object({ type: z.literal('uncommittedChanges') }),
  /** What the current branch (and working tree) would merge into `branch`. */
  z.object({ type: z.literal('baseBranch'), branch: z.string() }),
  /** What one commit introduced; `title` is a label for people (the commit's subject). */
  z.object({ type: z.literal('commit'), sha: z.string(), title: z.string().nullish() }),
  /** Free-form instructions: what to review and how. */
  z.object({ type: z.literal('custom'), instructions: z.string() }),
]);
export type ReviewTarget = z.infer<typeof ReviewTarget>;

/** P0 drop everything · P1 urgent · P2 normal · P3 nice to have. */
const ReviewPriority = z.number().int().min(0).max(3);

const LineRange = z
  .object({ start: z.number().int().min(1), end: z.number().int().min(1) })
  .refine((range) => range.end >= range.start, { message: 'line_range.end is before line_range.start' });

export const ReviewFinding = z.object({
  title: z.string().min(1).max(80),
  /** Markdown: why this is a problem, where, and under which conditions. */
  body: z.string(),
  priority: ReviewPriority,
  confidence: z.number().min(0).max(1),
  /** `path` is relative to the repository's top directory. */
  location: z.object({ path: z.string().min(1), line_range: LineRange }),
});
export type ReviewFinding = z.infer<typeof ReviewFinding>;

export const OverallCorrectness = z.enum(['patch is correct', 'patch is incorrect']);

export const ReviewResult = z.object({
  findings: z.array(ReviewFinding),
  overall_correctness: OverallCorrectness,
  overall_explanation: z.string(),
  overall_confidence: z.number().min(0).max(1),
});
export type ReviewResult = z.infer<typeof ReviewResult>;

/** A person's reaction to one finding (`spool review feedback`), kept in the review's session. */
export const ReviewFeedback = z.object({
  review_id: z.string(),
  /** 1-based position of the finding in the review's `findings`. */
  finding: z.number().int().min(1),
  reaction: z.enum(['up', 'down']),
  reason: z.string().optional(),
});
export type ReviewFeedback = z.infer<typeof ReviewFeedback>;
