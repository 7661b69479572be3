/** Small incident cases (a repository, a base and a culprit commit, case.toml) and a scripted reviewer. */
import fs from 'node:fs';
import path from 'node:path';
import { type OutputSpec, respond, type ScriptFn, say, shellCall } from '../emulator/index.js';
import { finding, git, reviewAnswer } from '../review/helpers.js';
import { tempDir } from '../support/thread.js';

/** 30 lines of `name.js`; the culprit rewrites lines 10–12. */
function source(name: string, culprit: boolean): string {
  return Array.from({ length: 30 }, (_, i) => {
    const n = i + 1;
    if (culprit && n >= 10 && n <= 12) return `export const ${name}${n} = compute(${n}) - 1; // changed`;
    return `export const ${name}${n} = compute(${n});`;
  }).join('\n');
}

export interface CaseSpec {
  id: string;
  /** Keep the repository as a git bundle (else as a path). */
  bundle: boolean;
  /** Replaces case.toml (a broken case). */
  toml?: string;
}

/** A corpus folder with the given cases; each changes `<id>.js` lines 10–12 in its culprit commit. */
export function makeCorpus(specs: CaseSpec[]): string {
  const corpus = tempDir('spool-eval-corpus-');
  for (const spec of specs) {
    const dir = path.join(corpus, spec.id);
    fs.mkdirSync(dir);
    const repo = spec.bundle ? tempDir('spool-eval-repo-') : path.join(dir, 'repo');
    fs.mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, `${spec.id}.js`), source(spec.id, false));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'base');
    const base = git(repo, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(repo, `${spec.id}.js`), source(spec.id, true));
    git(repo, 'commit', '-q', '-am', `${spec.id}: the culprit change`);
    const culprit = git(repo, 'rev-parse', 'HEAD').trim();
    if (spec.bundle) git(repo, 'bundle', 'create', '-q', path.join(dir, 'repo.bundle'), '--all');
    fs.writeFileSync(
      path.join(dir, 'case.toml'),
      spec.toml ??
        [
          `title = "${spec.id} went wrong"`,
          `what_went_wrong = "Values of ${spec.id} were off by one after the release."`,
          'severity = "high"',
          `repository = "${spec.bundle ? 'repo.bundle' : 'repo'}"`,
          `base = "${base}"`,
          `culprit = "${culprit}"`,
          '[[culprit_locations]]',
          `path = "${spec.id}.js"`,
          'lines = [10, 12]',
          '[provenance]',
          'source = "test fixture"',
          '',
        ].join('\n'),
    );
  }
  return corpus;
}

type Answer = Array<Record<string, unknown>>;

/** What the scripted reviewer says per case (by the file its diff touches). */
export const ANSWERS: Record<string, Answer> = {
  // Caught: at the culprit lines.
  alpha: [finding({ title: 'Off by one in alpha', priority: 1, path: 'alpha.js', start: 11 })],
  // Missed: only a false positive far from the culprit.
  beta: [finding({ title: 'Naming in beta', priority: 3, path: 'beta.js', start: 25 })],
  // Caught within the tolerance (2 lines after the range), plus a false positive.
  gamma: [
    finding({ title: 'Style in gamma', priority: 3, path: 'gamma.js', start: 1 }),
    finding({ title: 'Off by one in gamma', priority: 2, path: 'gamma.js', start: 14 }),
  ],
};

/** The judge's verdicts per case: it finds gamma's finding would not have prevented the incident. */
export const VERDICTS: Record<string, boolean> = { alpha: true, beta: false, gamma: false };

function caseOf(text: string): string | undefined {
  return Object.keys(ANSWERS).find((id) => text.includes(`${id}.js`));
}

/**
 * A reviewer that reads the file first (a tool runs in the case's checkout) and then answers as
 * ANSWERS says; and a judge (recognised by its instructions) that answers as VERDICTS says.
 */
export const scriptedReviewer: ScriptFn = (request) => {
  const body = request.body as Record<string, unknown> | undefined;
  if (!body) return undefined;
  const text = request.bodyText;
  const id = caseOf(text);
  if (!id) return respond(say('no case'));
  if (String(body.instructions).includes('You judge code reviews')) {
    const prevented = VERDICTS[id]!;
    const verdict: OutputSpec = say(
      JSON.stringify({ prevented, finding: prevented ? 1 : null, explanation: `${id}: judged` }),
    );
    return respond(verdict);
  }
  const input = body.input as Array<Record<string, unknown>>;
  if (!input.some((item) => item.type === 'function_call_output'))
    return respond(shellCall(`sed -n 9,13p ${id}.js`));
  return respond(reviewAnswer(ANSWERS[id]!));
};
