/** A small git repository with a change to review, and the reviewer's scripted answers. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { OutputSpec } from '../emulator/index.js';
import { say } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

export interface Fixture {
  repo: string;
  /** The commit on `main` the feature branch starts from. */
  baseSha: string;
  /** The feature branch's commit (checked out): changes src/math.ts lines 5–7. */
  featureSha: string;
}

export const MATH_BEFORE = [
  '// math helpers',
  'export function add(a: number, b: number): number {',
  '  return a + b;',
  '}',
  'export function ratio(a: number, b: number): number {',
  '  return b === 0 ? 0 : a / b;',
  '}',
  '',
].join('\n');

export const MATH_AFTER = [
  '// math helpers',
  'export function add(a: number, b: number): number {',
  '  return a + b;',
  '}',
  'export function ratio(a: number, b: number): number {',
  '  // callers check b first',
  '  return a / b;',
  '}',
  '',
].join('\n');

/** main: src/math.ts, src/use.ts, README.md; branch `feature` (checked out): ratio no longer guards b = 0. */
export function makeRepo(): Fixture {
  const repo = tempDir('spool-review-repo-');
  git(repo, 'init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(repo, 'src'));
  fs.writeFileSync(path.join(repo, 'src/math.ts'), MATH_BEFORE);
  fs.writeFileSync(
    path.join(repo, 'src/use.ts'),
    "import { ratio } from './math.js';\nexport const r = ratio(1, 0);\n",
  );
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'start');
  const baseSha = git(repo, 'rev-parse', 'HEAD').trim();
  git(repo, 'checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(repo, 'src/math.ts'), MATH_AFTER);
  git(repo, 'commit', '-q', '-am', 'ratio: drop the zero check');
  const featureSha = git(repo, 'rev-parse', 'HEAD').trim();
  return { repo, baseSha, featureSha };
}

export interface FindingSpec {
  title: string;
  body?: string;
  priority: number;
  confidence?: number;
  path: string;
  start: number;
  end?: number;
}

export function finding(spec: FindingSpec): Record<string, unknown> {
  return {
    title: spec.title,
    body: spec.body ?? `${spec.title}: explained.`,
    priority: spec.priority,
    confidence: spec.confidence ?? 0.8,
    location: { path: spec.path, line_range: { start: spec.start, end: spec.end ?? spec.start } },
  };
}

/** The reviewer's final answer: the findings object as JSON text. */
export function reviewAnswer(
  findings: Array<Record<string, unknown>>,
  verdict: 'patch is correct' | 'patch is incorrect' = findings.length
    ? 'patch is incorrect'
    : 'patch is correct',
): OutputSpec {
  return say(
    JSON.stringify({
      findings,
      overall_correctness: verdict,
      overall_explanation: verdict === 'patch is correct' ? 'Nothing breaks.' : 'ratio divides by zero.',
      overall_confidence: 0.7,
    }),
  );
}

export const DIVIDE_BY_ZERO = finding({
  title: 'Guard against b = 0 in ratio',
  body: '`ratio(1, 0)` in `src/use.ts` now returns Infinity.',
  priority: 1,
  confidence: 0.9,
  path: 'src/math.ts',
  start: 6,
  end: 7,
});
