/**
 * The apply_patch tool: one handler for both call shapes (a freeform `custom_tool_call` whose input
 * is the patch, or a `function_call` with `{"input": patch}`), and `runApplyPatch`, the single path
 * every entry point takes (the shell tool calls it for intercepted `apply_patch` commands).
 *
 * Patches obey the session's approval policy through the shell's path check (write-policy.ts): a
 * patch inside the writable roots applies without asking (under `untrusted` every patch asks); a
 * patch that needs a path the sandbox would refuse asks the user, and once approved is written
 * there; under `never` it is refused with the reason and nothing is written.
 */
import path from 'node:path';
import { z } from 'zod';
import { spoolHome } from '../../config/home.js';
import type { FileChange } from '../../protocol/events.js';
import { assessPatch } from '../../sandbox/approval/assess.js';
import { patchSessionKey } from '../../sandbox/approval/session.js';
import { planModeWriteRefusal } from '../../sandbox/plan-mode.js';
import { buildWritePolicy, checkWritePath, type WritePolicy } from '../../sandbox/write-policy.js';
import { parseJsonArguments } from '../spec.js';
import { decider, type ParseResult, type ToolContext, type ToolHandler, type ToolResult } from '../types.js';
import { openAnchoredFs } from './anchored-fs.js';
import type { CommitHooks } from './commit.js';
import { applyPatch, plannedChanges } from './engine.js';
import { parsePatch } from './parser.js';
import { planPatch, targetsOf } from './plan.js';
import { applyPatchFreeformSpec, applyPatchFunctionSpec } from './spec.js';
import type { PatchHunk } from './types.js';

interface ApplyPatchArgs {
  patch: string;
}

export interface RunApplyPatchOptions {
  /** A `cd` target from an intercepted shell command: patch paths are relative to it. */
  workdir?: string;
  /** Spool's home (never writable); defaults to the context's, else $SPOOL_HOME or ~/.spool. */
  spoolHome?: string;
  /** Test hooks into the commit phase. */
  hooks?: CommitHooks;
  /** Targets larger than this are refused before they are read (`apply_patch_max_file_bytes`). */
  maxFileBytes?: number;
}

interface ApplyPatchToolOptions extends Omit<RunApplyPatchOptions, 'workdir'> {
  /** Which spec the model is offered: the freeform custom tool (default) or the JSON function. */
  form?: 'freeform' | 'function';
}

const FunctionArguments = z.object({ input: z.string() });

function parseApplyPatchInput(raw: string, shape: 'function' | 'custom'): ParseResult<ApplyPatchArgs> {
  if (shape === 'custom') return { ok: true, args: { patch: raw } };
  const parsed = parseJsonArguments('apply_patch', raw, FunctionArguments);
  return parsed.ok ? { ok: true, args: { patch: parsed.args.input } } : parsed;
}

function summarize(hunks: readonly PatchHunk[]): { display: string; changes: FileChange[] } {
  const changes: FileChange[] = hunks.map((hunk) => {
    const change: FileChange = { path: hunk.path, kind: hunk.type };
    if (hunk.type === 'update' && hunk.movePath !== undefined) change.move_path = hunk.movePath;
    return change;
  });
  const letter = { add: 'A', delete: 'D', update: 'M' } as const;
  const display = `apply_patch ${changes.map((c) => `${letter[c.kind]} ${c.path}${c.move_path ? ` -> ${c.move_path}` : ''}`).join(', ')}`;
  return { display, changes };
}

type PatchGate = { proceed: true; fullAccess: boolean } | { proceed: false; result: ToolResult };

/**
 * The approval policy for a patch, through the same path check the engine (and the shell's
 * sandbox) uses: which targets the write policy refuses decides whether the user is asked.
 */
async function gatePatch(
  patch: string,
  cwd: string,
  policy: WritePolicy,
  ctx: ToolContext,
  /** A policy that lets planning read anywhere: what the user is asked about is shown as diffs. */
  previewPolicy: () => Promise<WritePolicy>,
  maxFileBytes: number | undefined,
  /** The id the patch's file_change item will have. */
  itemId: string,
): Promise<PatchGate> {
  const parsed = parsePatch(patch);
  // A patch that does not parse writes nothing; the engine reports why.
  if (!parsed.ok || parsed.value.hunks.length === 0) return { proceed: true, fullAccess: false };
  const checks = await Promise.all(
    targetsOf(parsed.value.hunks).map(({ target, follow }) =>
      checkWritePath(policy, target, { cwd, followFinalSymlink: follow }),
    ),
  );
  const denied = checks.flatMap((check) =>
    check.allowed ? [] : [{ path: check.realPath, message: check.message }],
  );
  const covered = denied.length > 0 ? denied.map((d) => d.path) : checks.map((check) => check.realPath);
  const assessment = assessPatch({
    policy: ctx.approvalPolicy,
    mode: ctx.bypassSandbox ? 'danger-full-access' : ctx.sandbox.mode,
    bypass: ctx.bypassSandbox,
    denied,
    sessionApproved: covered.every((p) => ctx.sessionApprovals.has(patchSessionKey(p))),
  });
  if (assessment.action === 'apply') return { proceed: true, fullAccess: assessment.fullAccess };
  const { display, changes: summary } = summarize(parsed.value.hunks);
  // The user sees exactly what would change (diffs), when the patch applies; else its outline.
  const anchors = openAnchoredFs();
  const preview = await planPatch(parsed.value.hunks, cwd, await previewPolicy(), {
    anchors,
    ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
  }).finally(() => anchors.close());
  const changes = preview.ok ? plannedChanges(preview.plan.changes) : summary;
  const outcome = await ctx.requestApproval({
    kind: 'patch',
    display,
    cwd,
    reason: assessment.reason,
    policy: ctx.approvalPolicy,
    changes,
    item_id: itemId,
  });
  if (outcome.decision === 'approved_for_session') {
    for (const p of covered) ctx.sessionApprovals.add(patchSessionKey(p));
  }
  // A patch proposes no rule: "approve and save the rule" approves it once.
  if (['approved', 'approved_for_session', 'approved_execpolicy_amendment'].includes(outcome.decision)) {
    return { proceed: true, fullAccess: assessment.fullAccess };
  }
  const why = outcome.reason ? `\n${outcome.reason}` : '';
  const verb = outcome.decision === 'abort' ? 'aborted' : 'rejected';
  return {
    proceed: false,
    result: {
      output: `patch ${verb} by ${decider(outcome)}; no file was changed.\nApproval was asked because: ${assessment.reason}${why}`,
      success: false,
    },
  };
}

/** Applies `patch` for a tool call: approvals, policy from the context, display items, the model's text. */
export async function runApplyPatch(
  patch: string,
  ctx: ToolContext,
  options: RunApplyPatchOptions = {},
): Promise<ToolResult> {
  // Plan mode writes nothing, whatever the sandbox or an earlier approval would allow.
  if (ctx.collaborationMode === 'plan')
    return { output: planModeWriteRefusal('apply_patch'), success: false };
  const home = options.spoolHome ?? ctx.spoolHome ?? spoolHome(ctx.env);
  const context = { cwd: ctx.cwd, spoolHome: home, env: ctx.env };
  const sandboxPolicy = await buildWritePolicy(ctx.sandbox, context);
  // Joined, not resolved: `..` in the workdir is applied physically when targets are checked.
  const cwd =
    options.workdir === undefined
      ? ctx.cwd
      : path.isAbsolute(options.workdir)
        ? options.workdir
        : `${ctx.cwd}${path.sep}${options.workdir}`;
  const itemId = ctx.items.newItemId();
  const gate = await gatePatch(
    patch,
    cwd,
    sandboxPolicy,
    ctx,
    () => buildWritePolicy({ ...ctx.sandbox, mode: 'danger-full-access' }, context),
    options.maxFileBytes,
    itemId,
  );
  if (!gate.proceed) return gate.result;
  const policy = gate.fullAccess
    ? await buildWritePolicy({ ...ctx.sandbox, mode: 'danger-full-access' }, context)
    : sandboxPolicy;
  let announced: FileChange[] | undefined;
  const outcome = await applyPatch({
    patch,
    cwd,
    policy,
    signal: ctx.signal,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }),
    onChanges: (changes) => {
      announced = changes;
      ctx.items.started({ id: itemId, type: 'file_change', changes, status: 'in_progress' });
    },
  });
  if (announced) {
    const changes = outcome.status === 'invalid' ? announced : outcome.changes;
    const status = outcome.status === 'applied' ? 'completed' : 'failed';
    ctx.items.completed({
      id: itemId,
      type: 'file_change',
      changes,
      status,
      ...(status === 'failed' ? { error: { message: outcome.output } } : {}),
    });
  } else if (outcome.status !== 'applied') {
    // A patch that does not parse names no file, but the call still shows, as a failed change.
    ctx.items.completed({
      id: itemId,
      type: 'file_change',
      changes: [],
      status: 'failed',
      error: { message: outcome.output },
    });
  }
  return { output: outcome.output, success: outcome.status === 'applied' };
}

export function createApplyPatchTool(options: ApplyPatchToolOptions = {}): ToolHandler<ApplyPatchArgs> {
  const { form = 'freeform', ...runOptions } = options;
  return {
    name: 'apply_patch',
    spec: form === 'freeform' ? applyPatchFreeformSpec() : applyPatchFunctionSpec(),
    parallel: false,
    parse: parseApplyPatchInput,
    run: (args, ctx) => runApplyPatch(args.patch, ctx, runOptions),
  };
}
