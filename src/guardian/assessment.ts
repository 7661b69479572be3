/**
 * The guardian's answer, read strictly: JSON of the assessment shape, nothing else. Anything
 * missing, malformed or unexpected is an error, which the reviewer turns into a denial.
 */
import { z } from 'zod';
import { ReviewRiskLevel, ReviewUserAuthorization } from '../protocol/auto-review.js';

const Assessment = z
  .object({
    risk_level: ReviewRiskLevel,
    user_authorization: ReviewUserAuthorization,
    outcome: z.enum(['allow', 'deny', 'escalate']),
    rationale: z.string().trim().min(1, 'the rationale is empty'),
  })
  .strict();
type Assessment = z.infer<typeof Assessment>;

type ParsedAssessment = { ok: true; assessment: Assessment } | { ok: false; error: string };

/** Parses the guardian's final message (undefined: it gave none). */
export function parseAssessment(text: string | undefined): ParsedAssessment {
  if (text === undefined || text.trim() === '') return { ok: false, error: 'the guardian gave no answer' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return { ok: false, error: `the guardian's answer is not JSON (${err.message})` };
  }
  const parsed = Assessment.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return {
      ok: false,
      error: `the guardian's answer has the wrong shape (${where}${issue?.message ?? 'invalid'})`,
    };
  }
  return { ok: true, assessment: parsed.data };
}
