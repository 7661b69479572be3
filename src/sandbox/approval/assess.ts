/**
 * The approval decisions, as pure functions of what is known about a command or a patch. The
 * callers (the shell tools, apply_patch) gather the facts, ask through the front end when told
 * to, and run what is decided.
 *
 * Commands, in order:
 * 1. a `forbidden` rule refuses, in every mode;
 * 2. `--dangerously-bypass-approvals-and-sandbox` runs without sandbox or question;
 * 3. asking for escalation (`sandbox_permissions: "require_escalated"`) is for `on-request` only;
 * 4. "approve for this session" of exactly this request runs it as approved then;
 * 5. a `prompt` rule or a destructive command asks (refused under `never`);
 * 6. escalation asks — an `allow` rule does not answer it: a rule never lets a command out of
 *    the sandbox (the model picks the workdir and may have written what the command reads there);
 * 7. an `allow` rule runs the command without asking, in the sandbox;
 * 8. then the policy: `untrusted` runs known-safe commands and asks for the rest; `on-failure`
 *    runs in the sandbox and asks to re-run outside it when the sandbox got in the way;
 *    `on-request` runs in the sandbox and asks only when the model asks for escalation; `never`
 *    runs in the sandbox and never asks.
 * In danger-full-access there is no sandbox: the questions that remain are those of untrusted,
 * rules, destructive commands and escalation.
 */
import type { ApprovalPolicy, SandboxMode } from '../../protocol/policy.js';
import type { RuleMatch } from './exec-rules.js';

export interface CommandFacts {
  policy: ApprovalPolicy;
  mode: SandboxMode;
  bypass: boolean;
  /** The model set `sandbox_permissions: "require_escalated"`. */
  escalationRequested: boolean;
  justification?: string;
  knownSafe: boolean;
  /** Why the command is destructive, if it is. */
  dangerous?: string;
  rule?: RuleMatch;
  /** The user approved exactly this request for the session: to run (in the sandbox), or outside it. */
  session: { run: boolean; unsandboxed: boolean };
}

/** What to do when a sandboxed run fails in a way that looks like the sandbox's doing. */
export type OnSandboxDenial = 'ask' | 'report';

export type CommandAssessment =
  | { action: 'refuse'; reason: string }
  | { action: 'run'; sandbox: boolean; onSandboxDenial: OnSandboxDenial }
  | {
      action: 'ask';
      reason: string;
      /** If approved: run in the sandbox (true) or outside it (false). */
      sandbox: boolean;
      onSandboxDenial: OnSandboxDenial;
    };

const ASK_ON_DENIAL: Record<ApprovalPolicy, OnSandboxDenial> = {
  untrusted: 'ask',
  'on-failure': 'ask',
  'on-request': 'report',
  never: 'report',
};

export function assessCommand(facts: CommandFacts): CommandAssessment {
  if (facts.rule?.decision === 'forbidden') {
    const why = facts.rule.rule.reason ? `: ${facts.rule.rule.reason}` : '';
    return {
      action: 'refuse',
      reason: `it is forbidden by the rule [${facts.rule.rule.prefix.join(' ')}]${why}`,
    };
  }
  if (facts.bypass) return { action: 'run', sandbox: false, onSandboxDenial: 'report' };
  if (facts.escalationRequested && facts.policy !== 'on-request') {
    return {
      action: 'refuse',
      reason: `the approval policy is ${facts.policy}, so commands cannot ask to run outside the sandbox (sandbox_permissions "require_escalated" is for on-request)`,
    };
  }
  const sandboxed = facts.mode !== 'danger-full-access';
  const onSandboxDenial = sandboxed ? ASK_ON_DENIAL[facts.policy] : 'report';
  if (facts.session.unsandboxed) return { action: 'run', sandbox: false, onSandboxDenial: 'report' };

  const ask = (reason: string, sandbox: boolean): CommandAssessment =>
    facts.policy === 'never'
      ? { action: 'refuse', reason: `${reason}, and the approval policy is never, so no one can be asked` }
      : { action: 'ask', reason, sandbox, onSandboxDenial };
  const escalate = facts.escalationRequested;
  const sandboxIfApproved = sandboxed && !escalate;

  if (facts.rule?.decision === 'prompt' && !facts.session.run) {
    const why = facts.rule.rule.reason ? `: ${facts.rule.rule.reason}` : '';
    return ask(`the rule [${facts.rule.rule.prefix.join(' ')}] asks for approval${why}`, sandboxIfApproved);
  }
  if (facts.dangerous && !facts.session.run)
    return ask(`it is a destructive command (${facts.dangerous})`, sandboxIfApproved);
  if (escalate) {
    const because = facts.justification?.trim()
      ? facts.justification.trim()
      : 'the model asked to run it outside the sandbox';
    return ask(because, false);
  }
  if (facts.rule?.decision === 'allow' || facts.session.run)
    return { action: 'run', sandbox: sandboxed, onSandboxDenial };
  if (facts.policy === 'untrusted' && !facts.knownSafe) {
    return ask('the approval policy is untrusted and this is not a known-safe read-only command', sandboxed);
  }
  return { action: 'run', sandbox: sandboxed, onSandboxDenial };
}

interface PatchFacts {
  policy: ApprovalPolicy;
  mode: SandboxMode;
  bypass: boolean;
  /** Paths the write policy refuses, with why. */
  denied: ReadonlyArray<{ path: string; message: string }>;
  /** Every path the approval would cover is already approved for the session. */
  sessionApproved: boolean;
}

type PatchAssessment =
  /** `fullAccess`: write without the write policy's limits (approved, or no sandbox). */
  { action: 'apply'; fullAccess: boolean } | { action: 'ask'; reason: string; fullAccess: boolean };

/**
 * Patches: the same path check as the shell decides. Inside the writable roots a patch applies
 * without asking (except under `untrusted`, which asks for every patch); a patch that needs a path
 * outside them asks, and once approved is written there; under `never` it is refused by the write
 * policy with the reason, and nothing is written.
 */
export function assessPatch(facts: PatchFacts): PatchAssessment {
  const unrestricted = facts.bypass || facts.mode === 'danger-full-access';
  if (facts.bypass) return { action: 'apply', fullAccess: true };
  if (facts.sessionApproved) return { action: 'apply', fullAccess: unrestricted || facts.denied.length > 0 };
  if (facts.denied.length > 0 && facts.policy !== 'never') {
    const first = facts.denied[0] as { message: string };
    const more = facts.denied.length > 1 ? ` (and ${facts.denied.length - 1} more)` : '';
    return {
      action: 'ask',
      reason: `it writes where the sandbox does not allow: ${first.message}${more}`,
      fullAccess: true,
    };
  }
  if (facts.policy === 'untrusted') {
    return {
      action: 'ask',
      reason: 'the approval policy is untrusted, which asks before every change',
      fullAccess: unrestricted,
    };
  }
  return { action: 'apply', fullAccess: unrestricted };
}
