/**
 * What a review looks at: checking a target, and naming it for people. Pure.
 */
import type { ReviewTarget } from '../protocol/review.js';

export type { ReviewTarget } from '../protocol/review.js';

/** A review that cannot start as asked (an empty branch, a ref git would read as an option, …). */
export class ReviewRequestError extends Error {
  override readonly name = 'ReviewRequestError';
}

/**
 * A ref given on the command line or by a client: not empty, one word, and never something git
 * would take for an option (`--output=…`). git resolves it later (`rev-parse --verify`).
 */
function checkRef(value: string, what: 'branch' | 'sha'): string {
  const ref = value.trim();
  if (ref === '') throw new ReviewRequestError(`${what} must not be empty`);
  if (ref.startsWith('-')) throw new ReviewRequestError(`${what} must not start with "-": ${ref}`);
  if (/[\s\x00-\x1f\x7f]/.test(ref))
    throw new ReviewRequestError(`${what} must be one word: ${JSON.stringify(ref)}`);
  return ref;
}

/** The target, trimmed and checked; throws ReviewRequestError with Codex's wording where it has one. */
export function checkTarget(target: ReviewTarget): ReviewTarget {
  switch (target.type) {
    case 'uncommittedChanges':
      return target;
    case 'baseBranch':
      return { type: 'baseBranch', branch: checkRef(target.branch, 'branch') };
    case 'commit': {
      const title = target.title?.trim();
      return { type: 'commit', sha: checkRef(target.sha, 'sha'), ...(title ? { title } : {}) };
    }
    case 'custom': {
      const instructions = target.instructions.trim();
      if (instructions === '') throw new ReviewRequestError('instructions must not be empty');
      return { type: 'custom', instructions };
    }
  }
}

/** Whether the target is read from git (all but custom instructions). */
export function needsRepository(target: ReviewTarget): boolean {
  return target.type !== 'custom';
}

/** What the review is of, in a few words ("changes against 'main'"): Codex's user-facing hint. */
export function targetHint(target: ReviewTarget): string {
  switch (target.type) {
    case 'uncommittedChanges':
      return 'current changes';
    case 'baseBranch':
      return `changes against '${target.branch}'`;
    case 'commit': {
      const short = target.sha.slice(0, 7);
      return target.title ? `commit ${short}: ${target.title}` : `commit ${short}`;
    }
    case 'custom':
      return target.instructions.length > 80 ? `${target.instructions.slice(0, 79)}…` : target.instructions;
  }
}
