/**
 * A review as a SARIF 2.1.0 log, for code scanning uploads: one rule per priority, one result per
 * finding (its location relative to the repository's top, `%SRCROOT%`), a stable fingerprint so
 * re-runs of the same finding are recognised. Pure.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { ReviewFinding, ReviewResult } from '../protocol/review.js';

export interface SarifInput {
  result: ReviewResult | null;
  reviewId: string;
  /** The repository's top directory (absolute). */
  root: string;
  toolVersion: string;
  hint: string;
}

const RULES = [
  {
    id: 'spool-review/P0',
    name: 'DropEverything',
    text: 'P0: drop everything to fix; blocks release or operation.',
    level: 'error',
  },
  { id: 'spool-review/P1', name: 'Urgent', text: 'P1: urgent; fix in this cycle.', level: 'error' },
  { id: 'spool-review/P2', name: 'Normal', text: 'P2: normal; fix eventually.', level: 'warning' },
  { id: 'spool-review/P3', name: 'Low', text: 'P3: low; nice to have.', level: 'note' },
] as const;

/** A repository-relative path as a URI reference (each segment percent-encoded). */
function uriOf(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}

function fingerprint(finding: ReviewFinding): string {
  return createHash('sha256')
    .update(`${finding.location.path}\0${finding.title.toLowerCase().trim()}`)
    .digest('hex')
    .slice(0, 32);
}

export function renderSarif(input: SarifInput): Record<string, unknown> {
  const findings = input.result?.findings ?? [];
  const root = pathToFileURL(input.root.endsWith('/') ? input.root : `${input.root}/`).href;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Spool review',
            version: input.toolVersion,
            rules: RULES.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.text },
              defaultConfiguration: { level: rule.level },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: root } },
        automationDetails: { id: `spool-review/${input.reviewId}` },
        results: findings.map((finding) => {
          const rule = RULES[finding.priority]!;
          const range = finding.location.line_range;
          return {
            ruleId: rule.id,
            ruleIndex: finding.priority,
            level: rule.level,
            message: { text: `[P${finding.priority}] ${finding.title}\n\n${finding.body}`.trim() },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: uriOf(finding.location.path), uriBaseId: '%SRCROOT%' },
                  region: { startLine: range.start, endLine: range.end },
                },
              },
            ],
            partialFingerprints: { 'spoolReviewFinding/v1': fingerprint(finding) },
            properties: { priority: finding.priority, confidence: finding.confidence },
          };
        }),
        properties: {
          review: input.hint,
          reviewId: input.reviewId,
          ...(input.result
            ? {
                overallCorrectness: input.result.overall_correctness,
                overallExplanation: input.result.overall_explanation,
                overallConfidence: input.result.overall_confidence,
              }
            : {}),
        },
      },
    ],
  };
}
