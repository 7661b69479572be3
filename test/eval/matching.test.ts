/** Matching findings to culprit locations (tolerance at its edges) and the Wilson interval. */
import { describe, expect, it } from 'vitest';
import { matchFindings } from '../../src/eval/matching.js';
import { wilson } from '../../src/eval/metrics.js';
import type { ReviewFinding } from '../../src/protocol/review.js';

function at(path: string, start: number, end = start, priority = 2): ReviewFinding {
  return {
    title: `${path}:${start}`,
    body: '',
    priority,
    confidence: 0.5,
    location: { path, line_range: { start, end } },
  };
}

const CULPRIT = [{ path: 'src/a.ts', start: 10, end: 12 }];

describe('matchFindings', () => {
  it('matches the same file within the tolerance, on both sides, and nothing beyond it', () => {
    const findings = [
      at('src/a.ts', 15),
      at('src/a.ts', 16),
      at('src/a.ts', 7),
      at('src/a.ts', 6),
      at('src/b.ts', 11),
    ];
    const result = matchFindings(findings, CULPRIT, 3);
    expect(result.truePositives).toEqual([0, 2]);
    expect(result.falsePositives).toEqual([1, 3, 4]);
    expect(matchFindings(findings, CULPRIT, 0).truePositives).toEqual([]);
  });

  it('a finding spanning the culprit range matches; paths are compared without ./', () => {
    expect(matchFindings([at('./src/a.ts', 1, 40)], CULPRIT, 0).matched).toBe(0);
  });

  it('the matching finding is the most urgent one, then the first', () => {
    const findings = [at('src/a.ts', 11, 11, 2), at('src/a.ts', 10, 10, 0), at('src/a.ts', 12, 12, 0)];
    expect(matchFindings(findings, CULPRIT, 0).matched).toBe(1);
  });
});

describe('wilson', () => {
  it('gives the 95 % score interval, and none for no trials', () => {
    const [low, high] = wilson(2, 3)!;
    expect(low).toBeCloseTo(0.2077, 4);
    expect(high).toBeCloseTo(0.9385, 4);
    expect(wilson(0, 5)![0]).toBe(0);
    expect(wilson(5, 5)![1]).toBe(1);
    expect(wilson(0, 0)).toBeNull();
  });
});
