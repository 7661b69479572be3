/**
 * request_user_input on the app-server, in Codex's v2 shapes: the server request
 * `item/tool/requestUserInput` ({threadId, turnId, itemId, questions}), and the client's answer
 * `{answers: {<question id>: {answers: [...]}}}`. Every question takes a free answer (`isOther`).
 */
import type { SpoolEventOf, UserInputAnswers } from '../protocol/events.js';
import type { V2ServerRequestOf } from './v2-messages.js';

export const REQUEST_USER_INPUT_METHOD = 'item/tool/requestUserInput';

export function userInputRequestParams(
  threadId: string,
  event: SpoolEventOf<'user_input.requested'>,
): V2ServerRequestOf<'item/tool/requestUserInput'>['params'] {
  return {
    threadId,
    turnId: event.turn_id,
    itemId: event.request.call_id,
    questions: event.request.questions.map((question) => ({
      id: question.id,
      header: question.header,
      question: question.question,
      isOther: true,
      isSecret: false,
      options: question.options.map((option) => ({ label: option.label, description: option.description })),
    })),
  };
}

/** The client's answer as Spool's, or why it is not one. */
export function answersFromClient(answer: unknown): { answers: UserInputAnswers } | { error: string } {
  const answers = (answer as { answers?: unknown } | null)?.answers;
  if (!answers || typeof answers !== 'object' || Array.isArray(answers))
    return { error: 'the answer has no `answers` object' };
  const out: UserInputAnswers = {};
  for (const [id, value] of Object.entries(answers as Record<string, unknown>)) {
    const list = (value as { answers?: unknown } | null)?.answers;
    if (!Array.isArray(list) || list.some((entry) => typeof entry !== 'string'))
      return { error: `answers.${id}.answers is not a list of strings` };
    out[id] = { answers: list as string[] };
  }
  return { answers: out };
}
