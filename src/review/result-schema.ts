/**
 * The review's JSON Schema for structured output (the provider constrains the reviewer's final
 * answer to it). Strict-mode rules apply: every property required, no additional properties, and
 * only the keywords every provider's strict mode takes — ranges are in the descriptions and checked
 * afterwards by the zod schema in src/protocol/review.ts, which stays the one source of validity.
 */

const lineRange = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end'],
  properties: {
    start: { type: 'integer', description: 'First line (1-based) in the file after the change.' },
    end: { type: 'integer', description: 'Last line (inclusive), not before start.' },
  },
};

const finding = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'body', 'priority', 'confidence', 'location'],
  properties: {
    title: { type: 'string', description: 'At most 80 characters, imperative, no priority tag.' },
    body: { type: 'string', description: 'Markdown: why it is a problem, when, and where.' },
    priority: {
      type: 'integer',
      enum: [0, 1, 2, 3],
      description: '0 drop everything, 1 urgent, 2 normal, 3 low.',
    },
    confidence: { type: 'number', description: 'From 0 to 1.' },
    location: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'line_range'],
      properties: {
        path: { type: 'string', description: "Relative to the repository's top directory." },
        line_range: lineRange,
      },
    },
  },
};

export const REVIEW_OUTPUT_SCHEMA: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['findings', 'overall_correctness', 'overall_explanation', 'overall_confidence'],
  properties: {
    findings: { type: 'array', items: finding },
    overall_correctness: { type: 'string', enum: ['patch is correct', 'patch is incorrect'] },
    overall_explanation: { type: 'string', description: '1–3 sentences justifying the verdict.' },
    overall_confidence: { type: 'number', description: 'From 0 to 1.' },
  },
};
