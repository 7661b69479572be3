/**
 * Whether, and how, a command the model asked for may run: the one gate every shell tool passes
 * (`shell`, `shell_command`, `exec_command`). It gathers the facts (rules, known-safe, dangerous,
 * what the user approved this session), lets `assessCommand` decide, and asks the user through
 * `ctx.requestApproval` when told to. The answer says whether to run inside the sandbox.
 */
import { spoolHome as defaultSpoolHome } from '../../config/home.js';
import {
  analyzeCommand,
  areKnownSafe,
  assessCommand,
  commandSessionKey,
  dangerousReason,
  decideRules,
  type ExecRules,
  loadExecRules,
  type OnSandboxDenial,
  saveAllowRule,
  sessionApprovalOf,
} from '../../sandbox/approval/index.js';
import { effectiveWritableRoots } from '../../sandbox/writable-roots.js';
import type { ToolContext } from '../types.js';
import { displayCommand } from './command-line.js';

/** The approval fields of the shell tools' arguments (Codex's names). */
export interface EscalationArgs {
  sandbox_permissions?: string;
  justification?: string;
  prefix_rule?: string[];
}

export type GateResult =
  | { kind: 'refused'; output: string }
  | {
      kind: 'run';
      sandbox: boolean;
      onSandboxDenial: OnSandboxDenial;
      /** For a later question about the same command (re-run outside the sandbox). */
      proposedRule: string[] | undefined;
      rules: ExecRules;
    };

export function spoolHomeOf(ctx: Pick<ToolContext, 'spoolHome' | 'env'>): string {
  return ctx.spoolHome ?? defaultSpoolHome(ctx.env);
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= words.length && prefix.every((w, i) => words[i] === w);
}

/**
 * The rule an "approve for this session" would save: the model's `prefix_rule` when it really is
 * a prefix of one of the commands, else the words of a single plain command.
 */
function proposedRuleFor(
  plain: string[][] | undefined,
  prefixRule: string[] | undefined,
): string[] | undefined {
  if (prefixRule && plain?.some((words) => startsWith(words, prefixRule))) return [...prefixRule];
  return plain?.length === 1 ? plain[0] : undefined;
}

export type AskResult = { approved: true } | { approved: false; output: string };

/**
 * Asks the user to run `argv` (in the sandbox when `scope` is `run`, outside it when
 * `unsandboxed`). "For this session" records the exact vector, and saves `proposedRule` as an
 * allow rule when the rules file says session approvals are to be saved.
 */
export async function askToRun(
  ctx: ToolContext,
  request: {
    argv: readonly string[];
    cwd: string;
    reason: string;
    scope: 'run' | 'unsandboxed';
    proposedRule: string[] | undefined;
    rules: ExecRules;
    /** The id the command's item will have if it runs. */
    itemId?: string;
  },
): Promise<AskResult> {
  const display = displayCommand(request.argv);
  const outcome = await ctx.requestApproval({
    kind: 'command',
    command: [...request.argv],
    display,
    cwd: request.cwd,
    reason: request.reason,
    policy: ctx.approvalPolicy,
    ...(request.proposedRule ? { proposed_rule: request.proposedRule } : {}),
    ...(request.itemId ? { item_id: request.itemId } : {}),
  });
  if (outcome.decision === 'approved') return { approved: true };
  if (outcome.decision === 'approved_for_session') {
    ctx.sessionApprovals.add(commandSessionKey(request.argv, request.scope));
    if (request.rules.saveSessionApprovals && request.proposedRule) {
      await saveAllowRule(spoolHomeOf(ctx), request.proposedRule).catch(() => {});
    }
    return { approved: true };
  }
  const why = outcome.reason ? `\n${outcome.reason}` : '';
  if (outcome.decision === 'abort') {
    return {
      approved: false,
      output: `exec command aborted by user: ${display}\nThe user stopped the turn.${why}`,
    };
  }
  return {
    approved: false,
    output: `exec command rejected by user: ${display}\nApproval was asked because: ${request.reason}${why}`,
  };
}

export async function gateCommand(
  argv: readonly string[],
  cwd: string,
  escalation: EscalationArgs,
  ctx: ToolContext,
  /** The id the command's item will have (announced with an approval request). */
  itemId?: string,
): Promise<GateResult> {
  const display = displayCommand(argv);
  const permissions = escalation.sandbox_permissions;
  if (permissions !== undefined && permissions !== 'use_default' && permissions !== 'require_escalated') {
    return {
      kind: 'refused',
      output: `Command not run: sandbox_permissions must be "use_default" or "require_escalated", not ${JSON.stringify(permissions)}.`,
    };
  }
  const home = spoolHomeOf(ctx);
  const loaded = await loadExecRules(home);
  if (!loaded.ok) {
    return {
      kind: 'refused',
      output:
        `Command not run: ${display}\nThe exec-policy rules in ${loaded.file} cannot be read (${loaded.error}), ` +
        'so no command runs until the user fixes that file.',
    };
  }
  const rules = loaded.rules;
  const { plain, every: everything } = await analyzeCommand(argv);
  const escalationRequested = permissions === 'require_escalated';
  const mode = ctx.bypassSandbox ? 'danger-full-access' : ctx.sandbox.mode;
  const roots = effectiveWritableRoots({ ...ctx.sandbox, mode: 'workspace-write' }, ctx.cwd, ctx.env);
  const assessment = assessCommand({
    policy: ctx.approvalPolicy,
    mode,
    bypass: ctx.bypassSandbox,
    escalationRequested,
    ...(escalation.justification !== undefined ? { justification: escalation.justification } : {}),
    knownSafe: ctx.approvalPolicy === 'untrusted' && areKnownSafe(plain),
    ...withDanger(dangerousReason(everything, { cwd, writableRoots: roots })),
    ...withRule(decideRules(rules.rules, { plain, every: everything })),
    session: sessionApprovalOf(ctx.sessionApprovals, argv),
  });
  const proposedRule = proposedRuleFor(plain, escalation.prefix_rule);
  if (assessment.action === 'refuse') {
    return {
      kind: 'refused',
      output: `Command not run: ${display}\nIt was refused because ${assessment.reason}.`,
    };
  }
  if (assessment.action === 'ask') {
    const answer = await askToRun(ctx, {
      argv,
      cwd,
      reason: assessment.reason,
      scope: assessment.sandbox ? 'run' : 'unsandboxed',
      proposedRule,
      rules,
      ...(itemId ? { itemId } : {}),
    });
    if (!answer.approved) return { kind: 'refused', output: answer.output };
  }
  return {
    kind: 'run',
    sandbox: assessment.sandbox,
    onSandboxDenial: assessment.onSandboxDenial,
    proposedRule,
    rules,
  };
}

function withDanger(reason: string | undefined): { dangerous?: string } {
  return reason === undefined ? {} : { dangerous: reason };
}

function withRule<T>(rule: T | undefined): { rule?: T } {
  return rule === undefined ? {} : { rule };
}
