/**
 * The reviewer's final answer → a ReviewResult. Lenient in what it reads (a code fence or prose
 * around the JSON, Codex's field names, a `[P1]` tag in the title, a priority written "P1"), strict
 * in what it returns: every finding passes the protocol's schema or is dropped with a note. Pure.
 */
import { ReviewFinding, type ReviewResult } from '../protocol/review.js';

export type ParsedReview =
  | { ok: true; result: ReviewResult; notes: string[] }
  /** Nothing readable as the findings object: `problem` says why (for a repair request). */
  | { ok: false; problem: string };

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The first JSON object in `text`: the whole text, a fenced block, or the outermost braces. */
function findObject(text: string): unknown {
  const candidates = [text.trim()];
  const fence = /```(?:json)?\s*\n([\s\S]*?)\n?```/i.exec(text);
  if (fence?.[1]) candidates.push(fence[1].trim());
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  if (open >= 0 && close > open) candidates.push(text.slice(open, close + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  return undefined;
}

const TAG = /^\s*\[P([0-3])\]\s*/i;

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const m = /^P?([0-9.]+)$/i.exec(value.trim());
    if (m) return Number(m[1]);
  }
  return undefined;
}

function pick(record: Loose, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined && record[key] !== null) return record[key];
  return undefined;
}

/** One finding in the protocol's names, from whichever names the reviewer used. */
function normalizeFinding(raw: Loose): Loose {
  let title = typeof raw.title === 'string' ? raw.title.trim() : raw.title;
  let priority = numberOf(pick(raw, 'priority', 'severity'));
  if (typeof title === 'string') {
    const tag = TAG.exec(title);
    if (tag) {
      title = title.slice(tag[0].length);
      priority ??= Number(tag[1]);
    }
    // Over-long titles are shortened rather than losing the finding.
    if ((title as string).length > 80) title = `${(title as string).slice(0, 79)}…`;
  }
  const where = isObject(raw.location) ? raw.location : isObject(raw.code_location) ? raw.code_location : raw;
  const range = isObject(where.line_range)
    ? where.line_range
    : isObject(raw.line_range)
      ? raw.line_range
      : where;
  const start = numberOf(pick(range, 'start', 'start_line', 'line'));
  const end = numberOf(pick(range, 'end', 'end_line')) ?? start;
  return {
    title,
    body: pick(raw, 'body', 'description', 'comment') ?? '',
    priority,
    confidence: numberOf(pick(raw, 'confidence', 'confidence_score')),
    location: {
      path: pick(where, 'path', 'absolute_file_path', 'file', 'file_path'),
      line_range: { start, end },
    },
  };
}

function describeIssues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || 'finding'}: ${issue.message}`)
    .join('; ');
}

function correctness(value: unknown): ReviewResult['overall_correctness'] | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.toLowerCase();
  if (/\b(incorrect|not correct)\b/.test(text)) return 'patch is incorrect';
  if (/\bcorrect\b/.test(text)) return 'patch is correct';
  return undefined;
}

export function parseReviewAnswer(text: string): ParsedReview {
  const found = findObject(text);
  if (!isObject(found)) return { ok: false, problem: 'no JSON object was found in it' };
  if (!Array.isArray(found.findings)) return { ok: false, problem: 'it has no "findings" array' };
  const notes: string[] = [];
  const findings: ReviewResult['findings'] = [];
  found.findings.forEach((raw, index) => {
    if (!isObject(raw)) {
      notes.push(`Dropped finding ${index + 1}: it is not an object.`);
      return;
    }
    const parsed = ReviewFinding.safeParse(normalizeFinding(raw));
    if (parsed.success) findings.push(parsed.data);
    else {
      const title = typeof raw.title === 'string' ? ` "${raw.title.slice(0, 80)}"` : '';
      notes.push(`Dropped finding ${index + 1}${title}: ${describeIssues(parsed.error)}.`);
    }
  });
  const verdict = correctness(found.overall_correctness);
  if (!verdict)
    return {
      ok: false,
      problem: 'its "overall_correctness" is not "patch is correct" or "patch is incorrect"',
    };
  const explanation = pick(found, 'overall_explanation', 'explanation');
  const confidence = numberOf(pick(found, 'overall_confidence', 'overall_confidence_score'));
  return {
    ok: true,
    result: {
      findings,
      overall_correctness: verdict,
      overall_explanation: typeof explanation === 'string' ? explanation : '',
      overall_confidence: confidence === undefined ? 0 : Math.min(1, Math.max(0, confidence)),
    },
    notes,
  };
}
