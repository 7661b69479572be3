/**
 * The scripted reviewer whose exchanges are the starter corpus's recordings
 * (eval/corpus/npm-regressions/<case>/recordings/scripted-reviewer.review.jsonl; made by
 * scripts/record-starter-corpus.ts). It is not a model: it stands in for one so the corpus runs
 * offline in CI with known results — it reads the changed file with a tool, then catches three
 * incidents (one of them with two findings), misses one with a false positive, and misses one with
 * no finding at all. Record a real model's run over the corpus to measure a reviewer (docs/eval.md).
 */
import { respond, type ScriptFn, say, shellCall } from '../emulator/index.js';
import { finding, reviewAnswer } from '../review/helpers.js';

interface StarterCase {
  /** Text only this case's review prompt holds. */
  marker: string;
  read: string;
  findings: Array<Record<string, unknown>>;
}

export const STARTER_CASES: Record<string, StarterCase> = {
  'qs-6.13.2-robustness-refactor': {
    marker: 'lib/parse.js',
    read: 'sed -n 205,215p lib/parse.js; sed -n 8,14p lib/utils.js',
    findings: [
      finding({
        title: 'hexTable drops the hex digit for bytes below 16',
        body: "The parenthesis moved: `'0' : '' + i.toString(16)` gives `'0'` alone for i < 16, so bytes 0x00–0x0F encode as `%0`.",
        priority: 1,
        path: 'lib/utils.js',
        start: 11,
      }),
      finding({
        title: 'slice() gets a string: the whole key is kept past the depth limit',
        body: "`key.slice(segment.index + ']')` passes `'N]'`, which slices from 0; the `]` belongs outside the call.",
        priority: 1,
        path: 'lib/parse.js',
        start: 212,
      }),
    ],
  },
  'handlebars-4.0.9-object-assign': {
    marker: 'compiler/compiler.js',
    read: 'grep -n "Object.assign\\|extend" lib/handlebars/compiler/compiler.js lib/handlebars/utils.js',
    findings: [
      finding({
        title: 'Object.assign breaks compile() in Internet Explorer',
        body: 'Handlebars supports IE, which has no `Object.assign`; use `extend` from `../utils`.',
        priority: 1,
        path: 'lib/handlebars/compiler/compiler.js',
        start: 491,
      }),
    ],
  },
  'moment-2.10.5-copy-invalid-date': {
    marker: 'version : 2.10.5',
    read: 'sed -n 170,190p moment.js',
    findings: [
      finding({
        title: 'Copying a config without a date now throws',
        body: '`config._d.getTime()` throws when `_d` is null or undefined (a failed parse); keep the invalid date.',
        priority: 1,
        path: 'moment.js',
        start: 178,
      }),
    ],
  },
  'moment-2.11.0-date-now-captured': {
    marker: 'version : 2.11.0',
    read: 'grep -n "Date.now" moment.js',
    findings: [
      finding({
        title: 'Month-name regexes are rebuilt for every parse',
        body: 'A cache would avoid the cost.',
        priority: 3,
        path: 'moment.js',
        start: 50,
      }),
    ],
  },
  'async-1.1.0-eachseries-tick': {
    marker: 'lib/async.js',
    read: 'grep -n "eachOfSeries" lib/async.js',
    findings: [],
  },
};

export const starterReviewer: ScriptFn = (request) => {
  const text = request.bodyText;
  const entry = Object.values(STARTER_CASES).find((c) => text.includes(c.marker));
  if (!entry) return respond(say('This change is not in the starter corpus.'));
  const input = ((request.body as Record<string, unknown>).input ?? []) as Array<Record<string, unknown>>;
  if (!input.some((item) => item.type === 'function_call_output')) return respond(shellCall(entry.read));
  return respond(reviewAnswer(entry.findings));
};
