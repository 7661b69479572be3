/** A review as Markdown for people: the verdict, then each finding tagged [P0]–[P3]. Pure. */
import type { ReviewFinding, ReviewResult } from '../protocol/review.js';

export interface RenderableReview {
  hint: string;
  reviewId: string;
  result: ReviewResult | null;
  notes: readonly string[];
  /** Why there is no result (the review failed or was interrupted). */
  failure?: string;
}

export function priorityTag(priority: number): string {
  return `[P${priority}]`;
}

export function locationText(finding: ReviewFinding): string {
  const { path, line_range: r } = finding.location;
  return r.start === r.end ? `${path}:${r.start}` : `${path}:${r.start}-${r.end}`;
}

function indent(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => (line === '' ? '' : `   ${line}`))
    .join('\n');
}

export function renderReviewMarkdown(review: RenderableReview): string {
  const lines = [`## Review: ${review.hint}`, ''];
  const result = review.result;
  if (!result) {
    lines.push(review.failure ?? 'The review gave no findings that could be read.');
  } else {
    const verdict =
      result.overall_correctness === 'patch is correct' ? 'Patch is correct' : 'Patch is incorrect';
    const explanation = result.overall_explanation.trim();
    lines.push(
      `**${verdict}** (confidence ${result.overall_confidence.toFixed(2)})${explanation ? `: ${explanation}` : ''}`,
      '',
    );
    if (result.findings.length === 0) lines.push('No findings.');
    result.findings.forEach((finding, index) => {
      lines.push(
        `${index + 1}. **${priorityTag(finding.priority)} ${finding.title}** — \`${locationText(finding)}\` (confidence ${finding.confidence.toFixed(2)})`,
      );
      if (finding.body.trim()) lines.push('', indent(finding.body));
      lines.push('');
    });
  }
  if (review.notes.length > 0) lines.push('', 'Notes:', ...review.notes.map((note) => `- ${note}`));
  lines.push('', `Review ${review.reviewId}`);
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
