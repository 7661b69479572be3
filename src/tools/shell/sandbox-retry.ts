/**
 * Running a command again outside the sandbox after the sandbox made it fail: the one decision and
 * the one question, for `shell`/`shell_command` and `exec_command` alike. The policy says whether
 * to offer it (`onSandboxDenial: 'ask'`); the user answers; the re-run is a new item.
 */
import { looksLikeSandboxDenial } from '../../sandbox/approval/denial.js';
import type { ToolContext, ToolResult } from '../types.js';
import { type AskResult, askToRun, type GateResult } from './command-gate.js';
import type { ProcessExit } from './process.js';

type RunGate = Extract<GateResult, { kind: 'run' }>;

/**
 * Whether a finished run is offered to run again outside the sandbox: it ran sandboxed, the policy
 * asks on a denial, it ended by itself (not by a timeout or an interrupt), it started, and its exit
 * looks like the sandbox refusing something.
 */
export function offersUnsandboxedRetry(
  gate: RunGate,
  sandboxed: boolean,
  exit: ProcessExit,
  endedByUs: boolean,
): boolean {
  return (
    sandboxed &&
    gate.onSandboxDenial === 'ask' &&
    !endedByUs &&
    exit.spawnError === null &&
    looksLikeSandboxDenial({
      exitCode: exit.exitCode,
      signal: exit.signal,
      outputText: exit.output.head + exit.output.tail,
    })
  );
}

/** The first line of the output that looks like the sandbox refusing something. */
function denialLine(exit: ProcessExit): string {
  const text = exit.output.head + exit.output.tail;
  const line = text
    .split('\n')
    .find((l) => /read-only|not permitted|permission denied|network|resolve|EROFS|EPERM|EACCES/i.test(l));
  return (line ?? `exit code ${exit.exitCode}`).trim().slice(0, 200);
}

/** Asks the user to run the command again outside the sandbox; the re-run gets a new item id. */
export async function askToRetryUnsandboxed(
  ctx: ToolContext,
  gate: RunGate,
  cwd: string,
  exit: ProcessExit,
): Promise<{ answer: AskResult; itemId: string }> {
  const itemId = ctx.items.newItemId();
  const answer = await askToRun(ctx, {
    form: gate.unsandboxedForm,
    cwd,
    reason: [
      `it failed inside the sandbox (${denialLine(exit)}), and running it again outside the sandbox may succeed`,
      ...gate.unsandboxedForm.changes,
    ].join('; '),
    scope: 'unsandboxed',
    proposedRule: gate.proposedRule,
    itemId,
  });
  return { answer, itemId };
}

/** The result with notes about its approval after the output (what the model should know). */
export function withNotes(result: ToolResult, notes: readonly string[]): ToolResult {
  if (notes.length === 0 || typeof result.output !== 'string') return result;
  return { ...result, output: `${result.output}\n\n${notes.join('\n')}` };
}

/** A declined re-run: the first result, with why it was not run again. */
export function withRefusal(result: ToolResult, refusal: string): ToolResult {
  const text = typeof result.output === 'string' ? result.output : '';
  return { ...result, output: `${text}\n\n${refusal}` };
}
