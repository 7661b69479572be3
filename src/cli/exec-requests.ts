/**
 * How `spool exec` answers what a thread asks — approvals and request_user_input — for the root
 * and for every sub-agent alike (one channel: the terminal, or a refusal when no one can answer).
 * A sub-agent's question names it, and the answer goes back to that agent's thread.
 */
import type { Thread } from '../agent/thread.js';
import type { SpoolEvent } from '../protocol/events.js';
import { visibleText } from '../text/terminal-safe.js';
import type { TextOutput } from './closed-output.js';
import { NON_INTERACTIVE_REASON, type TerminalApprovals, type TerminalInput } from './exec-approvals.js';
import { askQuestionsOnTerminal, NO_ONE_TO_ASK } from './exec-user-input.js';

export interface RequestChannel {
  /** Present when a person can answer on the terminal. */
  approvals: TerminalApprovals | undefined;
  interactive: boolean;
  stdin: TerminalInput;
  stderr: TextOutput;
  say(line: string): void;
}

/**
 * Answers `thread`'s requests through `channel`; `agent` is the sub-agent's path (absent for the
 * root). Returns a handler that takes an event and says whether it was a request it handled.
 */
export function answerRequests(thread: Thread, agent: string | undefined, channel: RequestChannel) {
  const who = agent ? `${agent}: ` : '';
  // Terminal questions are keyed by agent, since each thread numbers its own requests.
  const key = (id: string) => (agent ? `${agent}#${id}` : id);
  return (event: SpoolEvent): boolean => {
    if (event.type === 'approval.requested') {
      const { id } = event.request;
      if (channel.approvals) {
        void channel.approvals
          .ask({ ...event.request, id: key(id) }, agent)
          .then((decision) => thread.resolveApproval(id, decision));
      } else {
        channel.say(`spool: declined (non-interactive): ${who}${visibleText(event.request.display)}`);
        thread.resolveApproval(id, 'denied', NON_INTERACTIVE_REASON);
      }
      return true;
    }
    // Answered (or withdrawn because the turn ended): the question is no longer open.
    if (event.type === 'approval.resolved') {
      channel.approvals?.withdraw(key(event.id));
      return false;
    }
    if (event.type === 'user_input.requested') {
      const { id, questions } = event.request;
      if (channel.interactive) {
        if (agent) channel.say(`Agent ${visibleText(agent)} asks:`);
        void askQuestionsOnTerminal(questions, channel.stdin, channel.stderr).then((answers) =>
          thread.resolveUserInput(id, answers, 'The user closed the input without answering.'),
        );
      } else {
        channel.say(
          `spool: question not asked (non-interactive): ${who}${questions.map((q) => visibleText(q.question)).join(' / ')}`,
        );
        thread.resolveUserInput(id, undefined, NO_ONE_TO_ASK);
      }
      return true;
    }
    return false;
  };
}
