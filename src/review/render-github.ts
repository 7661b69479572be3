/**
 * A review as the JSON body of GitHub's "create a review for a pull request" call
 * (`POST /repos/{owner}/{repo}/pulls/{n}/reviews`, e.g. `gh api … --input review.json`): a summary
 * plus one inline comment per finding, on the right side of the diff. GitHub accepts inline
 * comments only on lines its diff shows, so a finding's range is clamped to the lines of the hunk
 * that shows it; a finding the diff does not show is listed in the summary instead. Pure.
 */
import type { ReviewResult } from '../protocol/review.js';
import { type DiffFile, placeInDiff } from './diff-lines.js';
import { locationText, priorityTag } from './render-markdown.js';

export interface GithubReviewInput {
  result: ReviewResult | null;
  reviewId: string;
  hint: string;
  /** The diff the pull request shows (what was reviewed). */
  diff: readonly DiffFile[];
  notes: readonly string[];
  failure?: string;
}

export interface GithubReviewComment {
  path: string;
  body: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

export interface GithubReview {
  event: 'COMMENT';
  body: string;
  comments: GithubReviewComment[];
}

export function renderGithubReview(input: GithubReviewInput): GithubReview {
  const comments: GithubReviewComment[] = [];
  const elsewhere: string[] = [];
  const findings = input.result?.findings ?? [];
  for (const finding of findings) {
    const { path, line_range: range } = finding.location;
    const heading = `**${priorityTag(finding.priority)} ${finding.title}**`;
    const placed = placeInDiff(input.diff, path, range.start, range.end);
    if (!placed) {
      elsewhere.push(
        `- ${heading} — \`${locationText(finding)}\`\n\n  ${finding.body.trim().replace(/\n/g, '\n  ')}`,
      );
      continue;
    }
    comments.push({
      path,
      body: `${heading}\n\n${finding.body.trim()}\n\n<sub>confidence ${finding.confidence.toFixed(2)}</sub>`,
      line: placed.end,
      side: 'RIGHT',
      ...(placed.start < placed.end ? { start_line: placed.start, start_side: 'RIGHT' as const } : {}),
    });
  }
  const lines = [`### Spool review: ${input.hint}`, ''];
  if (input.result) {
    const verdict =
      input.result.overall_correctness === 'patch is correct' ? 'Patch is correct' : 'Patch is incorrect';
    lines.push(
      `**${verdict}** (confidence ${input.result.overall_confidence.toFixed(2)}): ${input.result.overall_explanation.trim()}`,
    );
    lines.push(
      '',
      findings.length === 0 ? 'No findings.' : `${findings.length} finding(s); ${comments.length} inline.`,
    );
  } else lines.push(input.failure ?? 'The review gave no findings that could be read.');
  if (elsewhere.length > 0) lines.push('', 'Findings outside the lines this diff shows:', '', ...elsewhere);
  if (input.notes.length > 0)
    lines.push(
      '',
      '<details><summary>Notes</summary>',
      '',
      ...input.notes.map((n) => `- ${n}`),
      '',
      '</details>',
    );
  lines.push('', `<sub>Review ${input.reviewId}</sub>`);
  return { event: 'COMMENT', body: lines.join('\n'), comments };
}
