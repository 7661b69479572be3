/**
 * How `spool exec` answers `request_user_input`: on a terminal, by asking each question (a number
 * picks a choice, Enter the first, recommended one, any other text is the user's own answer);
 * otherwise (piped stdin, `--json`, CI) the model is told that no one can answer.
 */
import readline from 'node:readline';
import type { UserInputAnswers, UserInputQuestion } from '../protocol/events.js';
import { visibleText } from '../text/terminal-safe.js';
import type { TextOutput } from './closed-output.js';

export const NO_ONE_TO_ASK =
  'spool exec is running non-interactively (no terminal to ask on), so no one can answer. Go on with the recommended choice and say what you assumed, or stop and say what you need to know.';

/** Codex's encoding of an answer in the user's own words. */
function ownWords(text: string): string {
  return `user_note: ${text}`;
}

/** The question as shown on the terminal (the model's text with control characters as escapes). */
function describeQuestion(question: UserInputQuestion): string {
  const lines = [`[${visibleText(question.header)}] ${visibleText(question.question)}`];
  for (const [index, option] of question.options.entries())
    lines.push(
      `  ${index + 1}. ${visibleText(option.label)}${option.description ? ` — ${visibleText(option.description)}` : ''}`,
    );
  lines.push('  (or type your own answer)');
  return lines.join('\n');
}

/** One typed line as the answer to `question`: a choice's number, Enter for the first, or words. */
function answerFromLine(question: UserInputQuestion, line: string): string {
  const text = line.trim();
  if (text === '') return question.options[0]?.label ?? ownWords('');
  const index = /^\d+$/.test(text) ? Number(text) - 1 : -1;
  const option = question.options[index];
  return option ? option.label : ownWords(text);
}

/** Asks every question on the terminal; undefined when the input ended before all were answered. */
export function askQuestionsOnTerminal(
  questions: readonly UserInputQuestion[],
  input: NodeJS.ReadableStream,
  output: TextOutput,
): Promise<UserInputAnswers | undefined> {
  const rl = readline.createInterface({ input, terminal: false });
  const answers: UserInputAnswers = {};
  let index = 0;
  return new Promise((resolve) => {
    const ask = () => {
      const question = questions[index];
      if (!question) {
        // Resolved before closing: the close handler would otherwise settle it with no answers.
        resolve(answers);
        rl.close();
        return;
      }
      output.write(`${describeQuestion(question)}\n> `);
    };
    rl.on('line', (line) => {
      const question = questions[index];
      if (!question) return;
      answers[question.id] = { answers: [answerFromLine(question, line)] };
      index++;
      ask();
    });
    rl.on('close', () => resolve(undefined));
    ask();
  });
}
