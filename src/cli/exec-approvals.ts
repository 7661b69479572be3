/**
 * How `spool exec` answers approval requests: on a terminal, by asking (one key: `y` once, `a` this
 * exact command for the session, `r` also save the proposed rule, `n` no, Esc / Ctrl-C / `q` no and
 * stop the turn); otherwise (piped stdin, `--json`, CI) by declining with the reason, which goes
 * back to the model.
 *
 * The terminal is read in raw mode only while a question is open, one question at a time (parallel
 * tool calls queue); what is asked about is shown exactly (src/text/terminal-safe.ts).
 */
import readline from 'node:readline';
import type { ApprovalDecision, ApprovalRequest } from '../protocol/events.js';
import { hasHiddenCharacters, visibleText } from '../text/terminal-safe.js';
import type { TextOutput } from './closed-output.js';

export const NON_INTERACTIVE_REASON =
  'spool exec is running non-interactively, so no one can approve this; it was declined. Work within the sandbox, or tell the user what needs approval.';

const KEYS: Record<string, ApprovalDecision> = {
  y: 'approved',
  a: 'approved_for_session',
  r: 'approved_execpolicy_amendment',
  n: 'denied',
  q: 'abort',
};

const SAID: Record<ApprovalDecision, string> = {
  approved: 'yes, once',
  approved_for_session: 'yes, this exact command for this session',
  approved_execpolicy_amendment: 'yes, and the rule is saved',
  denied: 'no',
  abort: 'no, and the turn is stopped',
};

/** The keys offered: `r` (save the proposed rule) only when the request proposes one. */
function promptFor(request: ApprovalRequest): string {
  const rule = request.proposed_rule?.length ? '  [r] yes, and save the rule' : '';
  return `[y] yes  [a] yes, this exact command for this session${rule}  [n] no  [esc] no, and stop the turn: `;
}

function describeApproval(request: ApprovalRequest, agent?: string): string {
  const shown = visibleText(request.display, { keepNewlines: true });
  const lines = [
    // A sub-agent's request names the agent (its path), so the person knows who asks.
    ...(agent ? [`Agent ${visibleText(agent)} asks:`] : []),
    request.kind === 'command'
      ? `Run this command? (${request.policy} policy)`
      : request.kind === 'mcp_tool_call'
        ? `Call this MCP tool (outside the sandbox)? (${request.policy} policy)`
        : `Apply this patch? (${request.policy} policy)`,
    ...shown.split('\n').map((line) => `  ${line}`),
  ];
  if (hasHiddenCharacters(request.display, { keepNewlines: true }))
    lines.push('  (it holds control or invisible characters, shown above as escapes)');
  lines.push(`  in ${visibleText(request.cwd)}`);
  lines.push(`  because: ${visibleText(request.reason, { keepNewlines: true }).replace(/\n/g, '\n    ')}`);
  for (const change of request.changes ?? []) lines.push(`  ${change.kind} ${visibleText(change.path)}`);
  if (request.proposed_rule?.length)
    lines.push(
      `  [r] saves the rule: allow commands starting with \`${request.proposed_rule.map((word) => visibleText(word)).join(' ')}\``,
    );
  return lines.join('\n');
}

/** The keys of a raw-mode terminal, as readline decodes them. */
interface KeyPress {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  sequence?: string;
}

function decisionForKey(
  text: string | undefined,
  key: KeyPress | undefined,
  request: Pick<ApprovalRequest, 'proposed_rule'>,
): ApprovalDecision | undefined {
  if (key?.name === 'escape') return 'abort';
  if (key?.ctrl && key.name === 'c') return 'abort';
  if (key?.ctrl || key?.meta) return undefined;
  const decision = text ? KEYS[text.toLowerCase()] : undefined;
  // There is no rule to save unless one was proposed (and shown).
  if (decision === 'approved_execpolicy_amendment' && !request.proposed_rule?.length) return undefined;
  return decision;
}

export interface TerminalInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

interface Question {
  request: ApprovalRequest;
  /** The sub-agent asking (its path); absent for the root. */
  agent?: string;
  resolve: (decision: ApprovalDecision) => void;
}

/**
 * Approval questions on a terminal, asked one at a time. `ask` resolves with the person's answer;
 * `withdraw` takes back a question the turn no longer waits for (it was interrupted); when the
 * input ends, what is still open is declined.
 */
export class TerminalApprovals {
  private readonly queue: Question[] = [];
  private current: { question: Question; stop: () => void } | undefined;

  constructor(
    private readonly input: TerminalInput,
    private readonly output: TextOutput,
  ) {}

  /**
   * Asks about `request`; `agent` names the sub-agent asking (its path). Ids must be unique across
   * the agents asked for (a sub-agent's are prefixed by its path).
   */
  ask(request: ApprovalRequest, agent?: string): Promise<ApprovalDecision> {
    return new Promise((resolve) => {
      this.queue.push({ request, resolve, ...(agent ? { agent } : {}) });
      if (!this.current) this.next();
    });
  }

  /** The question for `id` is no longer asked (answered elsewhere, or the turn ended). */
  withdraw(id: string): void {
    const queued = this.queue.findIndex((q) => q.request.id === id);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.current?.question.request.id === id) {
      this.current.stop();
      this.current = undefined;
      this.output.write('\n');
      this.next();
    }
  }

  /** Gives the terminal back (cooked mode, not read) and declines whatever is open. */
  close(): void {
    for (const question of this.queue.splice(0)) question.resolve('denied');
    if (this.current) {
      this.current.stop();
      this.current.question.resolve('denied');
      this.current = undefined;
    }
  }

  private next(): void {
    const question = this.queue.shift();
    if (!question) return;
    const { input, output } = this;
    output.write(`${describeApproval(question.request, question.agent)}\n${promptFor(question.request)}`);
    readline.emitKeypressEvents(input);
    const raw = typeof input.setRawMode === 'function';
    const stop = () => {
      input.off('keypress', onKey);
      input.off('end', onEnd);
      if (raw) input.setRawMode!(false);
      input.pause();
    };
    const answer = (decision: ApprovalDecision) => {
      if (this.current?.question !== question) return;
      stop();
      this.current = undefined;
      output.write(`${SAID[decision]}\n`);
      question.resolve(decision);
      this.next();
    };
    const onKey = (text: string | undefined, key: KeyPress | undefined) => {
      const decision = decisionForKey(text, key, question.request);
      if (decision) answer(decision);
    };
    // No one left to answer: decline (the model is told), never approve.
    const onEnd = () => answer('denied');
    this.current = { question, stop };
    input.on('keypress', onKey);
    input.on('end', onEnd);
    if (raw) input.setRawMode!(true);
    input.resume();
  }
}
