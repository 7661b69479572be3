/**
 * What the reviewer is told: its standing instructions (the thread's base instructions) and the
 * request for one target, with the target's diff. Pure.
 *
 * The lesson this follows: a reviewer that reads only the diff behaves like a linter. It must follow
 * the change into the code that calls it, the tests that cover it and the configuration that
 * deploys it, and flag only what it can show is broken.
 */

import { type ReviewTarget, targetHint } from './target.js';
import type { TargetDiff } from './target-diff.js';

/** Diff text sent inline at most; past it the reviewer is told to read the rest with git. */
const MAX_INLINE_DIFF_BYTES = 200_000;

export const REVIEWER_INSTRUCTIONS = `You are reviewing a code change written by another engineer. You work in their repository with read-only access: you can read every file and run commands that read, search or check (git, rg, grep, find, cat, sed -n, the project's own read-only checks), but you cannot change anything, and you must not try. Your job is to find the problems the author would want to fix before the change ships, and to report them as findings.

How to review:
- Start from the diff, then look beyond it. For every changed function, type, route, query, flag or setting, find its callers and the code it calls, the tests that exercise it, and the configuration, schemas and documentation that depend on it. Regressions usually live where the change is used, not where it is written.
- Look for: wrong results, crashes and unhandled errors, broken contracts with callers, data loss or corruption, security holes (injection, secrets, missing checks), concurrency and resource leaks, performance cliffs (work that grows with input inside loops, queries in loops, unbounded memory), and behaviour that differs from what tests, docs or the commit message say.
- Run read-only checks when they settle a question (a type check, a focused test, a grep for every use). Commands that would write files fail in this sandbox; do not work around that.
- Flag a problem only when: it was introduced by this change (not pre-existing), it is discrete and actionable, it matters for correctness, performance, security or maintainability, it does not depend on guesses about the author's intent, and you can point to the code that is affected. Speculation that something "might" break elsewhere is not a finding unless you found the place that breaks.
- Ignore style and formatting unless they hide a bug or break a documented rule of the project. Project guidelines (AGENTS.md and the like) override these general rules.

Each finding:
- title: at most 80 characters, imperative, without a priority tag.
- body: one short paragraph of Markdown: why it is a problem, the inputs or conditions under which it happens, and where (files, functions). No code block longer than three lines.
- priority: 0 = drop everything (blocks release or operation, no assumptions about inputs needed), 1 = urgent, fix in this cycle, 2 = normal, 3 = low, nice to have.
- confidence: 0 to 1, how sure you are that it is a real problem.
- location: path relative to the repository's top directory, and the shortest line range (start, end; 1-based, in the file as it is after the change) that shows the problem — a few lines, overlapping the diff where possible.

Report every finding the author would fix; if there is none, report none rather than inventing one. Then give the overall verdict: "patch is correct" when existing code and tests will not break and the change has no blocking problem, otherwise "patch is incorrect", with a 1–3 sentence explanation and your confidence.

Your final answer is only this JSON object, with no prose and no code fence around it:
{"findings": [{"title": "…", "body": "…", "priority": 1, "confidence": 0.8, "location": {"path": "src/file.ts", "line_range": {"start": 10, "end": 12}}}], "overall_correctness": "patch is incorrect", "overall_explanation": "…", "overall_confidence": 0.8}`;

function targetRequest(target: ReviewTarget, diff: TargetDiff): string {
  switch (target.type) {
    case 'uncommittedChanges':
      return 'Review the uncommitted changes in the working tree: staged, unstaged and untracked files (their diff against HEAD is below).';
    case 'baseBranch':
      return `Review the changes this branch would merge into '${target.branch}': the working tree against the merge base ${diff.base ?? '(unknown)'} of HEAD and ${target.branch} (the diff is below; \`git diff ${diff.base ?? target.branch}\` shows it again).`;
    case 'commit': {
      const title = target.title ?? diff.subject;
      const sha = diff.revision.kind === 'commit' ? diff.revision.sha : target.sha;
      return `Review the changes introduced by commit ${sha}${title ? ` ("${title}")` : ''} (the diff is below; \`git show ${sha}\` shows it again). Line numbers refer to the files as they are in that commit (\`git show ${sha}:PATH\`).`;
    }
    case 'custom':
      return `Review as follows: ${target.instructions}`;
  }
}

function diffSection(diff: TargetDiff): string {
  if (diff.diff.trim() === '') return 'The diff is empty: there are no changes to review.';
  const bytes = Buffer.byteLength(diff.diff, 'utf8');
  if (bytes <= MAX_INLINE_DIFF_BYTES) return `<diff>\n${diff.diff.replace(/\n?$/, '\n')}</diff>`;
  const head = Buffer.from(diff.diff, 'utf8').subarray(0, MAX_INLINE_DIFF_BYTES).toString('utf8');
  return `The diff is ${bytes} bytes; its first ${MAX_INLINE_DIFF_BYTES} are below. Read the rest with git before you conclude.\n<diff>\n${head.replace(/\uFFFD*$/, '')}\n</diff>`;
}

/** The user message of a review: what to review, the diff, and the person's own instructions. */
export function reviewPrompt(target: ReviewTarget, diff: TargetDiff, extra?: string): string {
  const parts = [targetRequest(target, diff)];
  if (target.type !== 'custom') parts.push(diffSection(diff));
  if (extra?.trim())
    parts.push(`Additional instructions from the person who asked for this review:\n${extra.trim()}`);
  parts.push(
    'Follow the change into its callers, tests and configuration before you conclude, then answer with the JSON object only.',
  );
  return parts.join('\n\n');
}

/** Asks again when the answer could not be read as the findings object. */
export function repairPrompt(problem: string): string {
  return `Your answer could not be read as the review's JSON object (${problem}). Answer again with only that JSON object — {"findings": [...], "overall_correctness": ..., "overall_explanation": ..., "overall_confidence": ...} — and nothing else. Do not run more commands unless you must.`;
}

/** A short label for the request as the user's message in the thread that asked for the review. */
export function requestLabel(target: ReviewTarget, extra?: string): string {
  const label = `Review ${targetHint(target)}`;
  return extra?.trim() && target.type !== 'custom' ? `${label}\n\n${extra.trim()}` : label;
}
