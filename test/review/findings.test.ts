/**
 * The reviewer's answer → checked findings: lenient reading (fences, prose, Codex's names, tags),
 * strict results (every finding valid), findings checked against the repository (paths and lines
 * that exist in the reviewed version), repeats merged. Real git repositories, no model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReviewResult } from '../../src/protocol/review.js';
import { checkFindings, commitSource, worktreeSource } from '../../src/review/check-findings.js';
import { parseDiff, placeInDiff } from '../../src/review/diff-lines.js';
import { parseReviewAnswer } from '../../src/review/parse-result.js';
import { checkTarget, ReviewRequestError } from '../../src/review/target.js';
import { targetDiff } from '../../src/review/target-diff.js';
import { HostGit } from '../../src/sandbox/host-git.js';
import { finding, git, makeRepo } from './helpers.js';

const result = (findings: Array<Record<string, unknown>>) =>
  ReviewResult.parse({
    findings,
    overall_correctness: 'patch is incorrect',
    overall_explanation: 'x',
    overall_confidence: 0.5,
  });

describe('reading the answer', () => {
  it('takes the JSON object inside a fence or prose, and Codex field names', () => {
    const answer = [
      'Here is my review:',
      '```json',
      JSON.stringify({
        findings: [
          {
            title: '[P0] Null deref on empty input',
            body: 'b',
            confidence_score: 0.9,
            code_location: { absolute_file_path: '/repo/src/a.ts', line_range: { start: 3, end: 4 } },
          },
        ],
        overall_correctness: 'patch is incorrect',
        overall_explanation: 'bad',
        overall_confidence_score: 0.6,
      }),
      '```',
      'Thanks.',
    ].join('\n');
    const parsed = parseReviewAnswer(answer);
    expect(parsed).toEqual({
      ok: true,
      notes: [],
      result: {
        findings: [
          {
            title: 'Null deref on empty input',
            body: 'b',
            priority: 0,
            confidence: 0.9,
            location: { path: '/repo/src/a.ts', line_range: { start: 3, end: 4 } },
          },
        ],
        overall_correctness: 'patch is incorrect',
        overall_explanation: 'bad',
        overall_confidence: 0.6,
      },
    });
  });

  it('drops invalid findings with a note and keeps the valid ones', () => {
    const parsed = parseReviewAnswer(
      JSON.stringify({
        findings: [
          finding({ title: 'ok', priority: 2, path: 'a.ts', start: 1 }),
          { ...finding({ title: 'bad priority', priority: 2, path: 'a.ts', start: 1 }), priority: 7 },
          {
            ...finding({ title: 'bad range', priority: 1, path: 'a.ts', start: 9 }),
            location: { path: 'a.ts', line_range: { start: 9, end: 2 } },
          },
          { ...finding({ title: 'no place', priority: 1, path: 'a.ts', start: 1 }), location: {} },
          'not an object',
        ],
        overall_correctness: 'patch is incorrect',
        overall_explanation: 'e',
        overall_confidence: 0.4,
      }),
    );
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.result.findings.map((f) => f.title)).toEqual(['ok']);
    expect(parsed.notes).toHaveLength(4);
    expect(parsed.notes.join('\n')).toMatch(/bad priority.*priority/);
    expect(parsed.notes.join('\n')).toMatch(/bad range.*end is before/);
    expect(ReviewResult.safeParse(parsed.result).success).toBe(true);
  });

  it('shortens a title over 80 characters instead of losing the finding', () => {
    const long = 'x'.repeat(120);
    const parsed = parseReviewAnswer(
      JSON.stringify({
        ...result([]),
        findings: [finding({ title: long, priority: 3, path: 'a', start: 1 })],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.result.findings[0]!.title).toHaveLength(80);
  });

  it('says why an answer cannot be read', () => {
    expect(parseReviewAnswer('Looks good to me!')).toEqual({
      ok: false,
      problem: 'no JSON object was found in it',
    });
    expect(parseReviewAnswer('{"verdict": "fine"}')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/findings/),
    });
    expect(parseReviewAnswer('{"findings": [], "overall_correctness": "maybe"}')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/overall_correctness/),
    });
  });
});

describe('findings checked against the repository', () => {
  it('keeps real paths and lines (made relative), drops the rest with notes, merges repeats', async () => {
    const { repo } = makeRepo();
    fs.writeFileSync(path.join(repo, 'untracked.ts'), 'one\ntwo\n');
    fs.writeFileSync(path.join(repo, '.gitignore'), 'ignored.ts\n');
    fs.writeFileSync(path.join(repo, 'ignored.ts'), 'secret\n');
    const source = await worktreeSource(repo, HostGit.pin(repo));
    const checked = await checkFindings(
      result([
        finding({ title: 'Real one', priority: 2, path: 'src/math.ts', start: 6, end: 7 }),
        finding({ title: 'Absolute path', priority: 3, path: path.join(repo, 'src/use.ts'), start: 2 }),
        finding({ title: 'Untracked file', priority: 3, path: './untracked.ts', start: 2 }),
        finding({ title: 'Made up file', priority: 1, path: 'src/nope.ts', start: 1 }),
        finding({ title: 'Past the end', priority: 1, path: 'src/math.ts', start: 8, end: 40 }),
        finding({ title: 'Outside', priority: 1, path: '../etc/passwd', start: 1 }),
        finding({ title: 'Ignored', priority: 1, path: 'ignored.ts', start: 1 }),
        finding({ title: 'real ONE!', priority: 0, path: 'src/math.ts', start: 7 }),
      ]),
      source,
      repo,
    );
    expect(checked.result.findings.map((f) => [f.title, f.location.path, f.priority])).toEqual([
      ['real ONE!', 'src/math.ts', 0],
      ['Absolute path', 'src/use.ts', 3],
      ['Untracked file', 'untracked.ts', 3],
    ]);
    const notes = checked.notes.join('\n');
    expect(notes).toMatch(/"Made up file": src\/nope.ts is not a file/);
    expect(notes).toMatch(/"Past the end": src\/math.ts has 8 lines, so lines 8–40 do not exist/);
    expect(notes).toMatch(/"Outside"/);
    expect(notes).toMatch(/"Ignored"/);
    expect(notes).toMatch(/Merged "real ONE!"/);
  });

  it('reads the reviewed commit, not the working tree, for commit reviews', async () => {
    const { repo, baseSha } = makeRepo();
    const host = HostGit.pin(repo)!;
    // In the base commit, src/math.ts has 8 lines and no src/new.ts exists.
    fs.writeFileSync(path.join(repo, 'src/new.ts'), 'a\n');
    const source = await commitSource(host, baseSha);
    const checked = await checkFindings(
      result([
        finding({ title: 'New file', priority: 1, path: 'src/new.ts', start: 1 }),
        finding({ title: 'Old file', priority: 1, path: 'src/math.ts', start: 7 }),
      ]),
      source,
      repo,
    );
    expect(checked.result.findings.map((f) => f.title)).toEqual(['Old file']);
  });
});

describe('targets and diffs', () => {
  it('refuses refs git would read as options, and empty ones', () => {
    expect(() => checkTarget({ type: 'baseBranch', branch: '--output=/tmp/x' })).toThrow(ReviewRequestError);
    expect(() => checkTarget({ type: 'baseBranch', branch: '  ' })).toThrow('branch must not be empty');
    expect(() => checkTarget({ type: 'commit', sha: '\t' })).toThrow('sha must not be empty');
    expect(() => checkTarget({ type: 'custom', instructions: '\n\n' })).toThrow(
      'instructions must not be empty',
    );
    expect(checkTarget({ type: 'commit', sha: ' HEAD~1 ', title: ' t ' })).toEqual({
      type: 'commit',
      sha: 'HEAD~1',
      title: 't',
    });
  });

  it('reads each target kind from git, and says when a ref is no commit', async () => {
    const { repo, baseSha, featureSha } = makeRepo();
    const host = HostGit.pin(repo);
    const base = await targetDiff(host, { type: 'baseBranch', branch: 'main' }, repo);
    expect(base.base).toBe(baseSha);
    expect(base.diff).toMatch(/^- {2}return b === 0 \? 0 : a \/ b;$/m);
    const commit = await targetDiff(host, { type: 'commit', sha: featureSha.slice(0, 8) }, repo);
    expect(commit.revision).toEqual({ kind: 'commit', sha: featureSha });
    expect(commit.subject).toBe('ratio: drop the zero check');
    const root = await targetDiff(host, { type: 'commit', sha: baseSha }, repo);
    expect(root.diff).toMatch(/^\+\+\+ b\/README.md$/m);
    fs.writeFileSync(path.join(repo, 'fresh.txt'), 'new\n');
    fs.appendFileSync(path.join(repo, 'README.md'), 'more\n');
    const uncommitted = await targetDiff(host, { type: 'uncommittedChanges' }, repo);
    expect(uncommitted.diff).toMatch(/^\+more$/m);
    expect(uncommitted.diff).toMatch(/^\+\+\+ b\/fresh.txt$/m);
    await expect(targetDiff(host, { type: 'baseBranch', branch: 'nope' }, repo)).rejects.toThrow(
      /not a commit/,
    );
    await expect(targetDiff(undefined, { type: 'uncommittedChanges' }, repo)).rejects.toThrow(
      /not inside a git repository/,
    );
  });

  it('places a range on the lines a hunk shows', () => {
    const { repo } = makeRepo();
    const diff = git(repo, 'diff', 'main', '--', 'src/math.ts');
    const files = parseDiff(diff);
    // The hunk shows new lines 3–8 (3 lines of context around 6–7).
    expect(placeInDiff(files, 'src/math.ts', 6, 7)).toEqual({ start: 6, end: 7 });
    expect(placeInDiff(files, 'src/math.ts', 7, 30)).toEqual({ start: 7, end: 8 });
    expect(placeInDiff(files, 'src/math.ts', 1, 1)).toBeUndefined();
    expect(placeInDiff(files, 'src/use.ts', 1, 2)).toBeUndefined();
  });
});
