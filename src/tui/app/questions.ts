/**
 * `item/tool/requestUserInput` in the terminal UI: each question as a picker of its choices plus
 * "Other…" (then the composer takes the answer in the user's own words). Esc dismisses the
 * question: the model is told no answer came. Answers go back in Codex's shape.
 */
import { Picker, type PickerItem } from '../view/picker.js';
import type { V2UserInputQuestion } from '../view/v2.js';

/** A question the model asks (v2's `ToolRequestUserInputQuestion`). */
export type Question = V2UserInputQuestion;

export type Answers = { answers: Record<string, { answers: string[] }> };

interface QuestionHost {
  openPicker<T>(picker: Picker<T>): void;
  invalidate(): void;
}

const OTHER = Symbol('other');

export class UserQuestions {
  /** The question whose answer the composer takes next (after "Other…"). */
  private typing: { question: Question; answer: (text: string) => void } | undefined;
  private readonly dismissals = new Set<() => void>();

  constructor(private readonly host: QuestionHost) {}

  /** The question the composer's next line answers, if any. */
  get typingFor(): Question | undefined {
    return this.typing?.question;
  }

  /** Asks every question in turn; `{answers: {}}` when the user dismissed one. */
  async ask(questions: readonly Question[]): Promise<Answers> {
    const answers: Answers['answers'] = {};
    for (const question of questions) {
      const answer = await this.askOne(question);
      if (answer === undefined) return { answers: {} };
      answers[question.id] = { answers: [answer] };
    }
    return { answers };
  }

  /** The composer's line, when it answers a question (true: taken). */
  takeText(text: string): boolean {
    const typing = this.typing;
    if (!typing) return false;
    typing.answer(text);
    return true;
  }

  /** Withdraws what is asked (the request was resolved elsewhere, or the UI quits). */
  dismissAll(): void {
    for (const dismiss of [...this.dismissals]) dismiss();
  }

  private askOne(question: Question): Promise<string | undefined> {
    return new Promise((resolve) => {
      const finish = (answer: string | undefined) => {
        this.dismissals.delete(dismiss);
        this.typing = undefined;
        resolve(answer);
        this.host.invalidate();
      };
      const dismiss = () => finish(undefined);
      this.dismissals.add(dismiss);
      const items: Array<PickerItem<string | typeof OTHER>> = [
        ...(question.options ?? []).map((option) => ({
          label: option.label,
          detail: option.description,
          value: option.label,
        })),
        { label: 'Other…', detail: 'answer in your own words', value: OTHER },
      ];
      this.host.openPicker(
        new Picker<string | typeof OTHER>(
          `${question.header}: ${question.question}`,
          items,
          (value) => {
            if (value !== OTHER) return finish(value);
            this.typing = { question, answer: (text) => finish(`user_note: ${text}`) };
            this.host.invalidate();
          },
          10,
          dismiss,
        ),
      );
    });
  }
}
