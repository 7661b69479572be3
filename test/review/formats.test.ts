/**
 * The review's documents: SARIF 2.1.0 valid against its JSON Schema (for code scanning uploads),
 * the GitHub review payload's comments only on lines the diff shows, the Markdown's priority tags.
 */
import { describe, expect, it } from 'vitest';
import { ReviewResult } from '../../src/protocol/review.js';
import { parseDiff } from '../../src/review/diff-lines.js';
import { renderGithubReview } from '../../src/review/render-github.js';
import { renderReviewMarkdown } from '../../src/review/render-markdown.js';
import { renderSarif } from '../../src/review/render-sarif.js';
import { finding } from './helpers.js';
import { sarifProblems } from './sarif-schema.js';

const RESULT = ReviewResult.parse({
  findings: [
    finding({ title: 'Crash on empty list', priority: 0, path: 'src/a b/ü.ts', start: 3, end: 5 }),
    finding({ title: 'Slow loop', priority: 2, path: 'lib/x.py', start: 10 }),
    finding({ title: 'Rename', priority: 3, path: 'README.md', start: 1 }),
  ],
  overall_correctness: 'patch is incorrect',
  overall_explanation: 'It crashes.',
  overall_confidence: 0.75,
});

describe('SARIF', () => {
  it('is valid SARIF 2.1.0 with one result per finding, levels by priority, paths as URIs', () => {
    const log = renderSarif({
      result: RESULT,
      reviewId: 'r-1',
      root: '/repo',
      toolVersion: '0.1.0',
      hint: 'x',
    });
    expect(sarifProblems(log)).toEqual([]);
    const run = (log.runs as Array<Record<string, unknown>>)[0]!;
    const results = run.results as Array<Record<string, unknown>>;
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['spool-review/P0', 'error'],
      ['spool-review/P2', 'warning'],
      ['spool-review/P3', 'note'],
    ]);
    expect(JSON.stringify(results[0]!.locations)).toContain('"uri":"src/a%20b/%C3%BC.ts"');
    expect(JSON.stringify(results[0]!.locations)).toContain('"region":{"startLine":3,"endLine":5}');
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///repo/' } });
  });

  it('is valid with no findings and for a failed review', () => {
    const none = renderSarif({
      result: { ...RESULT, findings: [] },
      reviewId: 'r',
      root: '/r',
      toolVersion: '1',
      hint: 'h',
    });
    expect(sarifProblems(none)).toEqual([]);
    const failed = renderSarif({ result: null, reviewId: 'r', root: '/r', toolVersion: '1', hint: 'h' });
    expect(sarifProblems(failed)).toEqual([]);
  });

  it('the validator does reject what is not SARIF', () => {
    expect(sarifProblems({ version: '2.1.0', runs: [{ results: [] }] }).length).toBeGreaterThan(0);
    // Formats count too: a driver's informationUri must be a URI.
    const valid = renderSarif({ result: null, reviewId: 'r', root: '/r', toolVersion: '1', hint: 'h' });
    const badUri = structuredClone(valid) as { runs: Array<{ tool: { driver: Record<string, unknown> } }> };
    badUri.runs[0]!.tool.driver.informationUri = 'not a uri';
    expect(sarifProblems(badUri).join('\n')).toMatch(/informationUri must match format "uri"/);
  });
});

describe('GitHub review payload', () => {
  const diff = parseDiff(
    [
      'diff --git a/src/a b/ü.ts b/src/a b/ü.ts',
      '--- "a/src/a b/\\303\\274.ts"',
      '+++ "b/src/a b/\\303\\274.ts"',
      '@@ -1,3 +1,4 @@',
      ' one',
      '-two',
      '+TWO',
      '+three',
      ' four',
      '',
    ].join('\n'),
  );

  it('comments only on lines the diff shows, clamped to the hunk; the rest in the summary', () => {
    const payload = renderGithubReview({
      result: RESULT,
      reviewId: 'r-1',
      hint: 'h',
      diff,
      notes: ['a note'],
    });
    // Lines 3–5 of src/a b/ü.ts: the hunk shows new lines 1–4, so 3–4.
    expect(payload.comments).toEqual([
      expect.objectContaining({
        path: 'src/a b/ü.ts',
        start_line: 3,
        start_side: 'RIGHT',
        line: 4,
        side: 'RIGHT',
      }),
    ]);
    expect(payload.comments[0]!.body).toContain('**[P0] Crash on empty list**');
    expect(payload.body).toContain('[P2] Slow loop');
    expect(payload.body).toContain('[P3] Rename');
    expect(payload.body).toContain('a note');
  });
});

describe('Markdown', () => {
  it('tags titles [P0]–[P3] and numbers the findings', () => {
    const text = renderReviewMarkdown({ hint: 'commit abc', reviewId: 'r-9', result: RESULT, notes: [] });
    expect(text).toMatch(/^1\. \*\*\[P0\] Crash on empty list\*\* — `src\/a b\/ü.ts:3-5`/m);
    expect(text).toMatch(/^2\. \*\*\[P2\] Slow loop\*\* — `lib\/x.py:10`/m);
    expect(text).toMatch(/^3\. \*\*\[P3\] Rename\*\*/m);
    expect(text).toContain('**Patch is incorrect** (confidence 0.75): It crashes.');
  });
});
