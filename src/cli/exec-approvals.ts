/**
 * How `spool exec` answers approval requests: on a terminal, by asking; otherwise (piped stdin,
 * `--json`, CI) by declining with the reason, which goes back to the model.
 */
import readline from 'node:readline';
import type { ApprovalDecision, ApprovalRequest } from '../protocol/events.js';

export const NON_INTERACTIVE_REASON =
  'spool exec is running non-interactively, so no one can approve this; it was declined. Work within the sandbox, or tell the user what needs approval.';

const CHOICES: Record<string, ApprovalDecision> = {
  y: 'approved',
  a: 'approved_for_session',
  r: 'approved_execpolicy_amendment',
  n: 'denied',
  q: 'abort',
};

export function describeApproval(request: ApprovalRequest): string {
  const lines = [
    request.kind === 'command'
      ? `Run this command? (${request.policy} policy)`
      : request.kind === 'mcp_tool_call'
        ? `Call this MCP tool (outside the sandbox)? (${request.policy} policy)`
        : `Apply this patch? (${request.policy} policy)`,
    `  ${request.display}`,
    `  in ${request.cwd}`,
    `  because: ${request.reason}`,
  ];
  for (const change of request.changes ?? []) lines.push(`  ${change.kind} ${change.path}`);
  if (request.proposed_rule?.length)
    lines.push(`  [r] saves the rule: allow commands starting with \`${request.proposed_rule.join(' ')}\``);
  return lines.join('\n');
}

/** Asks on the terminal; resolves with the user's decision. */
export function askOnTerminal(
  request: ApprovalRequest,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<ApprovalDecision> {
  const rl = readline.createInterface({ input, output, terminal: false });
  output.write(`${describeApproval(request)}\n`);
  return new Promise((resolve) => {
    const withRule = Boolean(request.proposed_rule?.length);
    const prompt = `[y] yes  [a] yes, this exact command for this session${withRule ? '  [r] yes, and save the rule' : ''}  [n] no  [q] no, and stop the turn: `;
    const ask = () =>
      rl.question(prompt, (answer) => {
        const decision = CHOICES[answer.trim().toLowerCase().slice(0, 1)];
        if (!decision || (decision === 'approved_execpolicy_amendment' && !withRule)) return ask();
        rl.close();
        resolve(decision);
      });
    rl.on('close', () => resolve('denied'));
    ask();
  });
}
