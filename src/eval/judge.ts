/**
 * The optional judge: a model asked, with structured output, whether the review's findings would
 * have prevented the incident. Its thread is recorded like the reviewer's (so `--offline` replays it).
 */
import { z } from 'zod';
import type { Runtime } from '../config/runtime.js';
import type { ModelClient } from '../model/types.js';
import type { ReviewFinding } from '../protocol/review.js';
import type { Usage } from '../protocol/usage.js';
import { openThread } from '../session/open-thread.js';
import { ToolRegistry } from '../tools/registry.js';
import type { IncidentCase } from './corpus.js';

const JUDGE_INSTRUCTIONS = `You judge code reviews against real incidents. You are told what went wrong after a change shipped, where in the change the fault was, and what a reviewer said about the change before it shipped. Decide whether one of the reviewer's findings, read by the change's author, would have prevented the incident: it must point at the fault (or its direct cause) and say enough that the author would have fixed it. A vague or unrelated finding does not count. Answer only with the JSON object the schema describes.`;

const JUDGE_SCHEMA = {
  type: 'object',
  properties: {
    prevented: { type: 'boolean' },
    finding: {
      type: ['integer', 'null'],
      description: '1-based number of the finding that would have prevented it',
    },
    explanation: { type: 'string' },
  },
  required: ['prevented', 'finding', 'explanation'],
  additionalProperties: false,
} as const;

export const JudgeVerdict = z.object({
  prevented: z.boolean(),
  finding: z.number().int().min(1).nullable(),
  explanation: z.string(),
});
export type JudgeVerdict = z.infer<typeof JudgeVerdict>;

export function judgePrompt(c: IncidentCase, findings: readonly ReviewFinding[]): string {
  const locations = c.locations.map((l) => `- ${l.path} lines ${l.start}–${l.end}`).join('\n');
  const listed = findings.length
    ? findings
        .map(
          (f, i) =>
            `${i + 1}. [P${f.priority}] ${f.title} (${f.location.path}:${f.location.line_range.start}-${f.location.line_range.end})\n${f.body}`,
        )
        .join('\n\n')
    : '(the reviewer reported no findings)';
  return `Incident: ${c.title} (severity ${c.severity})\n\nWhat went wrong:\n${c.whatWentWrong}\n\nWhere the change was at fault:\n${locations}\n\nThe reviewer's findings on the change:\n${listed}\n\nWould one of these findings have prevented the incident?`;
}

export interface JudgeOutcome {
  verdict?: JudgeVerdict;
  error?: string;
  usage: Usage;
  /** The judge's rollout (its session), when recorded. */
  sessionId: string;
}

/** Asks the judge. Never throws for a bad answer or a failed request: they are the outcome's `error`. */
export async function askJudge(
  runtime: Runtime,
  prompt: string,
  createModelClient: ((runtime: Runtime) => ModelClient) | undefined,
): Promise<JudgeOutcome> {
  const settings = {
    ...runtime.settings,
    baseInstructions: JUDGE_INSTRUCTIONS,
    sandbox: {
      ...runtime.settings.sandbox,
      mode: 'read-only' as const,
      writableRoots: [],
      networkAccess: false,
    },
    approvalPolicy: 'never' as const,
    outputSchema: { schema: JUDGE_SCHEMA as unknown as Record<string, unknown>, strict: true },
  };
  const tools = { registry: new ToolRegistry([]), close: async () => {} };
  const { thread } = openThread(
    { ...runtime, settings },
    tools,
    { kind: 'new' },
    createModelClient ? { createModelClient } : {},
  );
  try {
    const outcome = await thread.runTurn(prompt);
    const usage = { ...thread.totalUsage };
    if (outcome.status !== 'completed')
      return {
        error:
          outcome.status === 'failed'
            ? `the judge failed: ${outcome.error.message}`
            : 'the judge was interrupted',
        usage,
        sessionId: thread.id,
      };
    let parsed: unknown;
    try {
      parsed = JSON.parse(outcome.finalMessage ?? '');
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      return { error: 'the judge did not answer with JSON', usage, sessionId: thread.id };
    }
    const verdict = JudgeVerdict.safeParse(parsed);
    if (!verdict.success)
      return { error: `the judge's answer does not follow the schema`, usage, sessionId: thread.id };
    return { verdict: verdict.data, usage, sessionId: thread.id };
  } finally {
    await thread.close();
  }
}
