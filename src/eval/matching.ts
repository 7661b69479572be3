/**
 * Matching a review's findings to a case's culprit locations (pure): a finding matches when it is
 * in the same file and its lines, widened by `tolerance` on each side, overlap a culprit range.
 * A finding that matches no location is a false positive.
 */
import type { ReviewFinding } from '../protocol/review.js';
import type { CulpritLocation } from './corpus.js';

export interface MatchResult {
  /** Index (0-based) of the first matching finding, by priority then order. */
  matched: number | undefined;
  /** Indices of the findings that match a culprit location. */
  truePositives: number[];
  /** Indices of the findings that match none. */
  falsePositives: number[];
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
  return norm(a) === norm(b);
}

function findingMatches(finding: ReviewFinding, location: CulpritLocation, tolerance: number): boolean {
  if (!samePath(finding.location.path, location.path)) return false;
  const { start, end } = finding.location.line_range;
  return start - tolerance <= location.end && end + tolerance >= location.start;
}

export function matchFindings(
  findings: readonly ReviewFinding[],
  locations: readonly CulpritLocation[],
  tolerance: number,
): MatchResult {
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  findings.forEach((finding, i) => {
    if (locations.some((location) => findingMatches(finding, location, tolerance))) truePositives.push(i);
    else falsePositives.push(i);
  });
  const best = [...truePositives].sort((a, b) => findings[a]!.priority - findings[b]!.priority || a - b)[0];
  return { matched: best, truePositives, falsePositives };
}
