/**
 * Whether, and how, a command the model asked for may run: the one gate every shell tool passes
 * (`shell`, `shell_command`, `exec_command`, and `write_stdin` for what it writes). It gathers the
 * facts (rules, known-safe, destructive, what the user approved this session), lets
 * `assessCommand` decide, and asks the user through `ctx.requestApproval` when told to. The
 * answer says what to run — the exact argv and environment that were shown — and whether inside
 * the sandbox.
 */
import { realpathSync } from 'node:fs';
import { spoolHome as defaultSpoolHome } from '../../config/home.js';
import { expectSystemError } from '../../protocol/errors.js';
import type { ApprovalRequest } from '../../protocol/events.js';
import {
  assessCommand,
  type CommandAssessment,
  type OnSandboxDenial,
} from '../../sandbox/approval/assess.js';
import { analyzeCommand, type CommandAnalysis } from '../../sandbox/approval/command-analysis.js';
import { dangerousReason } from '../../sandbox/approval/dangerous.js';
import {
  decideRules,
  type ExecRules,
  loadExecRules,
  saveAllowRule,
} from '../../sandbox/approval/exec-rules.js';
import { proposeRule } from '../../sandbox/approval/proposal.js';
import { isKnownSafe } from '../../sandbox/approval/safe-commands.js';
import {
  type CommandApprovalRequest,
  commandSessionKey,
  stdinSessionKey,
} from '../../sandbox/approval/session.js';
import { withoutWritableStartupFiles } from '../../sandbox/approval/startup-files.js';
import { PLAN_MODE_REFUSAL, planModeAssessment } from '../../sandbox/plan-mode.js';
import { effectiveWritableRoots } from '../../sandbox/writable-roots.js';
import { type ApprovalOutcome, decider, type ToolContext } from '../types.js';
import { displayCommand } from './command-line.js';

/** The approval fields of the shell tools' arguments (Codex's names). */
export interface EscalationArgs {
  sandbox_permissions?: string;
  justification?: string;
  prefix_rule?: string[];
}

/** What runs, exactly as it was (or would be) shown. */
export interface RunForm {
  argv: string[];
  env: NodeJS.ProcessEnv;
}

export type GateResult =
  | { kind: 'refused'; output: string }
  | {
      kind: 'run';
      /** What runs: in the sandbox, the command as given; outside it, without writable startup files. */
      form: RunForm;
      sandbox: boolean;
      onSandboxDenial: OnSandboxDenial;
      /** The form a re-run outside the sandbox would take (asked again first), and why it differs. */
      unsandboxedForm: RunForm & { changes: string[] };
      /** The user approved running it outside the sandbox (now, or for the session). */
      approvedUnsandboxed: boolean;
      /** For a later question about the same command (re-run outside the sandbox). */
      proposedRule: string[] | undefined;
      /** Notes for the model about the approval (a rule that could not be saved). */
      notes: string[];
      analysis: CommandAnalysis;
    };

export function spoolHomeOf(ctx: Pick<ToolContext, 'spoolHome' | 'env'>): string {
  return ctx.spoolHome ?? defaultSpoolHome(ctx.env);
}

function resolvePhysical(p: string): string {
  try {
    return realpathSync(p);
  } catch (err) {
    expectSystemError(err);
    // A path that does not exist (yet), or cannot be resolved, is judged as written.
    return p;
  }
}

/** Every root a sandboxed command of this session may write (physical paths). */
function sandboxWritableRoots(ctx: ToolContext): string[] {
  const roots = effectiveWritableRoots({ ...ctx.sandbox, mode: 'workspace-write' }, ctx.cwd, ctx.env);
  return [...new Set([...roots, ...roots.map(resolvePhysical)])];
}

/**
 * How `argv` runs outside the sandbox: where the session has a sandbox, without startup files a
 * sandboxed command could have written.
 */
function unsandboxedFormOf(argv: readonly string[], ctx: ToolContext): RunForm & { changes: string[] } {
  if (ctx.bypassSandbox || ctx.sandbox.mode === 'danger-full-access')
    return { argv: [...argv], env: ctx.env, changes: [] };
  return withoutWritableStartupFiles(argv, {
    env: ctx.env,
    writableRoots: sandboxWritableRoots(ctx),
    resolve: resolvePhysical,
  });
}

export type AskResult = { approved: true; notes: string[] } | { approved: false; output: string };

interface AskRequest {
  /** The command as it will run if approved. */
  form: RunForm;
  cwd: string;
  reason: string;
  scope: 'run' | 'unsandboxed';
  proposedRule: string[] | undefined;
  /** The id the command's item will have if it runs. */
  itemId?: string;
}

function rejection(display: string, reason: string, outcome: ApprovalOutcome): string {
  const why = outcome.reason ? `\n${outcome.reason}` : '';
  if (outcome.decision === 'abort')
    return `exec command aborted by ${decider(outcome)}: ${display}\nThe ${decider(outcome)} stopped the turn.${why}`;
  return `exec command rejected by ${decider(outcome)}: ${display}\nApproval was asked because: ${reason}${why}`;
}

/**
 * Asks the user to run the request (in the sandbox when `scope` is `run`, outside it when
 * `unsandboxed`). "For this session" records the whole request (argv, workdir, scope,
 * environment); only the explicit "allow this prefix from now on" answer — given to a question that
 * showed the rule — saves `proposedRule` as an allow rule. A rule that cannot be saved is said.
 */
export async function askToRun(ctx: ToolContext, request: AskRequest): Promise<AskResult> {
  const display = displayCommand(request.form.argv);
  const outcome = await ctx.requestApproval({
    kind: 'command',
    command: [...request.form.argv],
    display,
    cwd: request.cwd,
    reason: request.reason,
    policy: ctx.approvalPolicy,
    ...(request.proposedRule ? { proposed_rule: request.proposedRule } : {}),
    ...(request.itemId ? { item_id: request.itemId } : {}),
  });
  const key: CommandApprovalRequest = { argv: request.form.argv, cwd: request.cwd, env: request.form.env };
  switch (outcome.decision) {
    case 'approved':
      return { approved: true, notes: [] };
    case 'approved_for_session':
      ctx.sessionApprovals.add(commandSessionKey(key, request.scope));
      return { approved: true, notes: [] };
    case 'approved_execpolicy_amendment':
      return { approved: true, notes: await saveProposedRule(ctx, request.proposedRule) };
    default:
      return { approved: false, output: rejection(display, request.reason, outcome) };
  }
}

/** Saves the rule the question showed; a failure is told to the user and the model. */
async function saveProposedRule(ctx: ToolContext, rule: string[] | undefined): Promise<string[]> {
  if (!rule) {
    const message =
      'The approval asked to save a rule, but the question proposed none: the command was approved once, and no rule was saved.';
    ctx.warn?.(message);
    return [message];
  }
  try {
    await saveAllowRule(spoolHomeOf(ctx), rule);
    return [];
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    const message = `The command was approved, but the rule [${rule.join(' ')}] could not be saved: ${why}. It applies to this run only.`;
    ctx.warn?.(message);
    return [message];
  }
}

/** The rules, or the refusal every command gets while the rules file is broken. */
async function rulesOrRefusal(ctx: ToolContext, display: string): Promise<ExecRules | { refused: string }> {
  const loaded = await loadExecRules(spoolHomeOf(ctx));
  if (loaded.ok) return loaded.rules;
  return {
    refused:
      `Command not run: ${display}\nThe exec-policy rules in ${loaded.file} cannot be read (${loaded.error}), ` +
      'so no command runs until the user fixes that file.',
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
  const rules = await rulesOrRefusal(ctx, display);
  if ('refused' in rules) return { kind: 'refused', output: rules.refused };
  const analysis = await analyzeCommand(argv);
  const sandboxedForm: RunForm = { argv: [...argv], env: ctx.env };
  const unsandboxedForm = unsandboxedFormOf(argv, ctx);
  const session = {
    run:
      ctx.sessionApprovals.has(commandSessionKey({ ...sandboxedForm, cwd }, 'run')) ||
      ctx.sessionApprovals.has(commandSessionKey({ ...unsandboxedForm, cwd }, 'unsandboxed')),
    unsandboxed: ctx.sessionApprovals.has(commandSessionKey({ ...unsandboxedForm, cwd }, 'unsandboxed')),
  };
  const dangerous = dangerousReason(analysis);
  const rule = decideRules(rules.rules, analysis);
  const assessed: CommandAssessment = assessCommand({
    policy: ctx.approvalPolicy,
    mode: ctx.bypassSandbox ? 'danger-full-access' : ctx.sandbox.mode,
    bypass: ctx.bypassSandbox,
    escalationRequested: permissions === 'require_escalated',
    ...(escalation.justification !== undefined ? { justification: escalation.justification } : {}),
    knownSafe: ctx.approvalPolicy === 'untrusted' && isKnownSafe(analysis),
    ...(dangerous === undefined ? {} : { dangerous }),
    ...(rule === undefined ? {} : { rule }),
    session,
  });
  // Plan mode: only ever in the (read-only) sandbox; escalation is refused.
  const assessment =
    ctx.collaborationMode === 'plan'
      ? planModeAssessment(assessed, permissions === 'require_escalated')
      : assessed;
  const proposedRule =
    dangerous === undefined ? proposeRule(rules.rules, analysis, escalation.prefix_rule) : undefined;
  if (assessment.action === 'refuse') {
    return {
      kind: 'refused',
      output: `Command not run: ${display}\nIt was refused because ${assessment.reason}.`,
    };
  }
  const form = assessment.sandbox ? sandboxedForm : unsandboxedForm;
  let notes: string[] = [];
  let approvedUnsandboxed = !assessment.sandbox && session.unsandboxed;
  if (assessment.action === 'ask') {
    const changes = assessment.sandbox ? [] : unsandboxedForm.changes;
    const answer = await askToRun(ctx, {
      form,
      cwd,
      reason: [assessment.reason, ...changes].join('; '),
      scope: assessment.sandbox ? 'run' : 'unsandboxed',
      proposedRule,
      ...(itemId ? { itemId } : {}),
    });
    if (!answer.approved) return { kind: 'refused', output: answer.output };
    notes = answer.notes;
    approvedUnsandboxed = !assessment.sandbox;
  }
  return {
    kind: 'run',
    form: { argv: form.argv, env: form.env },
    sandbox: assessment.sandbox,
    onSandboxDenial: assessment.onSandboxDenial,
    unsandboxedForm,
    approvedUnsandboxed: approvedUnsandboxed && !ctx.bypassSandbox,
    proposedRule,
    notes,
    analysis,
  };
}

/** How a running session's input is judged: what it runs, and how it was approved. */
export interface SessionInputGate {
  /** The session's command, as it runs. */
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** It runs outside the sandbox because the user approved that: every input is asked. */
  approvedUnsandboxed: boolean;
  /** It runs in the sandbox. */
  sandboxed: boolean;
  /** A shell reads its commands from this input: they are judged like a command line. */
  readsCommands: boolean;
  /** It runs in a read-only sandbox (it cannot write whatever it is given). */
  readOnly: boolean;
}

const CONTROL_ONLY = /^[\u0003\u0004]*$/;

/**
 * Input for a running session (`write_stdin`). Into a session approved to run outside the sandbox,
 * input is approved like a new command (asked, shown exactly; refused under `never`). Into a shell
 * that reads its commands from this input, the input is judged like a command line of its own
 * (rules, destructive commands, `untrusted`). Ctrl-C and Ctrl-D alone are never asked.
 */
export async function gateSessionInput(
  session: SessionInputGate,
  chars: string,
  ctx: ToolContext,
): Promise<{ ok: true; notes: string[] } | { ok: false; output: string }> {
  if (CONTROL_ONLY.test(chars)) return { ok: true, notes: [] };
  const target = displayCommand(session.argv);
  const display = `write to the stdin of ${target}: ${JSON.stringify(chars)}`;
  // A session started before plan mode may be able to write: in plan mode it gets no input.
  if (ctx.collaborationMode === 'plan' && !session.readOnly)
    return {
      ok: false,
      output: `Input not written: ${display}\nThis session was started outside plan mode and can write. ${PLAN_MODE_REFUSAL}`,
    };
  if (ctx.bypassSandbox) return { ok: true, notes: [] };
  if (session.approvedUnsandboxed) {
    const key = stdinSessionKey(commandSessionKey(session, 'unsandboxed'), chars);
    if (ctx.sessionApprovals.has(key)) return { ok: true, notes: [] };
    const reason =
      'the command runs outside the sandbox, so what it is given to run is approved like a new command';
    if (ctx.approvalPolicy === 'never')
      return {
        ok: false,
        output: `Input not written: ${display}\nIt was refused because ${reason}, and the approval policy is never, so no one can be asked.`,
      };
    return askForInput(ctx, session, display, reason, key);
  }
  if (!session.readsCommands) return { ok: true, notes: [] };
  const script = chars.replace(/[\u0003\u0004]/g, '');
  const rules = await rulesOrRefusal(ctx, display);
  if ('refused' in rules) return { ok: false, output: rules.refused };
  const analysis = await analyzeCommand(['bash', '-c', script]);
  const dangerous = dangerousReason(analysis);
  const rule = decideRules(rules.rules, analysis);
  const assessment = assessCommand({
    policy: ctx.approvalPolicy,
    mode: session.sandboxed ? ctx.sandbox.mode : 'danger-full-access',
    bypass: false,
    escalationRequested: false,
    knownSafe: ctx.approvalPolicy === 'untrusted' && isKnownSafe(analysis),
    ...(dangerous === undefined ? {} : { dangerous }),
    ...(rule === undefined ? {} : { rule }),
    session: { run: false, unsandboxed: false },
  });
  if (assessment.action === 'refuse')
    return {
      ok: false,
      output: `Input not written: ${display}\nIt was refused because ${assessment.reason}.`,
    };
  if (assessment.action === 'run') return { ok: true, notes: [] };
  const key = stdinSessionKey(commandSessionKey(session, session.sandboxed ? 'run' : 'unsandboxed'), chars);
  if (ctx.sessionApprovals.has(key)) return { ok: true, notes: [] };
  return askForInput(ctx, session, display, assessment.reason, key);
}

async function askForInput(
  ctx: ToolContext,
  session: SessionInputGate,
  display: string,
  reason: string,
  key: string,
): Promise<{ ok: true; notes: string[] } | { ok: false; output: string }> {
  const request: Omit<ApprovalRequest, 'id'> = {
    kind: 'command',
    display,
    cwd: session.cwd,
    reason,
    policy: ctx.approvalPolicy,
  };
  const outcome = await ctx.requestApproval(request);
  if (outcome.decision === 'approved' || outcome.decision === 'approved_execpolicy_amendment')
    return { ok: true, notes: [] };
  if (outcome.decision === 'approved_for_session') {
    ctx.sessionApprovals.add(key);
    return { ok: true, notes: [] };
  }
  return { ok: false, output: rejection(display, reason, outcome).replace('exec command', 'input') };
}
