/**
 * `request_user_input` (Codex's tool, same shape): the model asks the user one to three short
 * questions, each with two or three choices, and waits. Every question also takes a free answer
 * (the front end offers "Other"). The answers come back as Codex sends them:
 * `{"answers":{"<id>":{"answers":["<label>", "user_note: <text>"]}}}`.
 *
 * Offered in plan mode, and in default mode only when configured
 * (`request_user_input_in_default_mode`). The tool is always in the tool list, so switching modes
 * never changes the cached prefix; a call in a mode that does not offer it is refused. Without a
 * person to answer (exec --json, piped, CI, no client connected) the model is told so and must go
 * on with its own judgement or stop.
 */
import { z } from 'zod';
import type { UserInputQuestion } from '../../protocol/events.js';
import { functionSpec, parseJsonArguments } from '../spec.js';
import type { ToolHandler } from '../types.js';

const REQUEST_USER_INPUT = 'request_user_input';

/** Limits the description states (checked here, after the schema). */
const MAX_QUESTIONS = 3;
const MIN_OPTIONS = 2;
const MAX_OPTIONS = 3;

const Option = z
  .object({
    label: z.string().describe('User-facing label (1-5 words).'),
    description: z.string().describe('One short sentence explaining impact/tradeoff if selected.'),
  })
  .strict();

const Question = z
  .object({
    id: z.string().describe('Stable identifier for mapping answers (snake_case).'),
    header: z.string().describe('Short header label shown in the UI (12 or fewer chars).'),
    question: z.string().describe('Single-sentence prompt shown to the user.'),
    options: z
      .array(Option)
      .describe(
        'Provide 2-3 mutually exclusive choices. Put the recommended option first and suffix its label with "(Recommended)". Do not include an "Other" option in this list; the client will add a free-form "Other" option automatically.',
      ),
  })
  .strict();

const Args = z
  .object({
    questions: z.array(Question).describe('Questions to show the user. Prefer 1 and do not exceed 3'),
  })
  .strict();
type Args = z.infer<typeof Args>;

const DESCRIPTION =
  'Request user input for one to three short questions and wait for the response. Before calling this tool, send a user-facing update that summarizes the available choices and why you need them. This tool is only available in Plan mode, unless the session says it is also available in Default mode.';

/** What the call is refused with in a mode that does not offer it (Codex's wording). */
function unavailableMessage(mode: 'default' | 'plan'): string {
  return `${REQUEST_USER_INPUT} is unavailable in ${mode === 'plan' ? 'Plan' : 'Default'} mode. Ask in your reply instead, or proceed with a reasonable assumption and say which.`;
}

function checkArgs(args: Args): string | undefined {
  const count = args.questions.length;
  if (count < 1 || count > MAX_QUESTIONS) return `give 1 to ${MAX_QUESTIONS} questions, not ${count}`;
  const ids = new Set<string>();
  for (const [index, question] of args.questions.entries()) {
    const where = `questions[${index}]`;
    if (question.id.trim() === '') return `${where}.id is empty`;
    if (ids.has(question.id)) return `${where}.id "${question.id}" is used twice`;
    ids.add(question.id);
    if (question.question.trim() === '') return `${where}.question is empty`;
    const options = question.options.length;
    if (options < MIN_OPTIONS || options > MAX_OPTIONS)
      return `${where} has ${options} options; give ${MIN_OPTIONS} or ${MAX_OPTIONS} (the user can always answer in their own words)`;
    if (question.options.some((option) => option.label.trim() === ''))
      return `${where} has an option without a label`;
  }
  return undefined;
}

export function createRequestUserInputTool(): ToolHandler<Args> {
  return {
    name: REQUEST_USER_INPUT,
    spec: functionSpec(REQUEST_USER_INPUT, DESCRIPTION, Args),
    // It waits for a person: nothing else should run meanwhile.
    parallel: false,
    parse: (raw) => {
      const parsed = parseJsonArguments(REQUEST_USER_INPUT, raw, Args);
      if (!parsed.ok) return parsed;
      const problem = checkArgs(parsed.args);
      return problem
        ? { ok: false, error: `Invalid arguments for ${REQUEST_USER_INPUT}: ${problem}.` }
        : parsed;
    },
    run: async (args, ctx) => {
      const mode = ctx.collaborationMode ?? 'default';
      if (mode !== 'plan' && !ctx.userInputInDefaultMode)
        return { output: unavailableMessage(mode), success: false };
      if (!ctx.requestUserInput)
        return {
          output: `${REQUEST_USER_INPUT}: no one can answer questions in this session.`,
          success: false,
        };
      const questions: UserInputQuestion[] = args.questions.map((question) => ({
        id: question.id,
        header: question.header,
        question: question.question,
        options: question.options.map(({ label, description }) => ({ label, description })),
      }));
      const outcome = await ctx.requestUserInput(questions);
      if (outcome.answers) return { output: JSON.stringify({ answers: outcome.answers }), success: true };
      return { output: `${REQUEST_USER_INPUT}: no answer. ${outcome.reason}`, success: false };
    },
  };
}
