/**
 * The plan a model in plan mode ends with: a `<proposed_plan>` block, its tags on lines of their
 * own, Markdown inside. Front ends show it as a plan (and the message without it); the history
 * keeps the model's words unchanged.
 */

const BLOCK =
  /(^|\n)[ \t]*<proposed_plan>[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*<\/proposed_plan>[ \t]*(?=\r?\n|$)/g;

/** The last complete plan in `text` (trimmed), or undefined. */
export function extractProposedPlan(text: string): string | undefined {
  let plan: string | undefined;
  for (const match of text.matchAll(BLOCK)) plan = (match[2] as string).trim();
  return plan === '' ? undefined : plan;
}

/** `text` without its plan blocks (what is left of the message around the plan). */
export function withoutProposedPlan(text: string): string {
  return text
    .replace(BLOCK, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
