/**
 * Questions to the user (request_user_input) of one thread: a tool asks, a front end answers
 * through `Thread.resolveUserInput`, an interrupt ends the wait with no answer.
 */
import type { SpoolEvent, UserInputAnswers, UserInputQuestion } from '../protocol/events.js';
import type { UserInputOutcome } from '../tools/types.js';

const INTERRUPTED = 'The user interrupted the turn before answering.';

export class UserInputBroker {
  private readonly pending = new Map<string, (outcome: UserInputOutcome) => void>();
  private counter = 0;

  constructor(private readonly emit: (event: SpoolEvent) => void) {}

  /** Emits `user_input.requested` and waits for the answers (or the turn's end). */
  request(
    turnId: string,
    callId: string,
    signal: AbortSignal,
    questions: UserInputQuestion[],
  ): Promise<UserInputOutcome> {
    const id = `user_input_${this.counter++}`;
    if (signal.aborted) return Promise.resolve({ reason: INTERRUPTED });
    return new Promise<UserInputOutcome>((resolve) => {
      const finish = (outcome: UserInputOutcome) => {
        if (!this.pending.delete(id)) return;
        signal.removeEventListener('abort', onAbort);
        this.emit({
          type: 'user_input.resolved',
          turn_id: turnId,
          id,
          ...(outcome.answers ? { answers: outcome.answers } : { reason: outcome.reason }),
        });
        resolve(outcome);
      };
      const onAbort = () => finish({ reason: INTERRUPTED });
      this.pending.set(id, finish);
      signal.addEventListener('abort', onAbort, { once: true });
      this.emit({
        type: 'user_input.requested',
        turn_id: turnId,
        request: { id, call_id: callId, questions },
      });
    });
  }

  /**
   * Answers request `id` (or, without answers, ends it with `reason`); false when it is unknown or
   * already answered.
   */
  resolve(id: string, answers: UserInputAnswers | undefined, reason = 'No answer was given.'): boolean {
    const finish = this.pending.get(id);
    if (!finish) return false;
    finish(answers ? { answers } : { reason });
    return true;
  }
}
