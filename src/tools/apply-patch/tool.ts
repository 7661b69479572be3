/**
 * The apply_patch tool: one handler for both call shapes (a freeform `custom_tool_call` whose input
 * is the patch, or a `function_call` with `{"input": patch}`), and `runApplyPatch`, the single path
 * every entry point takes (the shell tool calls it for intercepted `apply_patch` commands).
 */
import path from 'node:path';
import { z } from 'zod';
import { spoolHome } from '../../config/home.js';
import type { FileChange } from '../../protocol/events.js';
import { buildWritePolicy } from '../../sandbox/write-policy.js';
import { parseJsonArguments } from '../spec.js';
import type { ParseResult, ToolContext, ToolHandler, ToolResult } from '../types.js';
import type { CommitHooks } from './commit.js';
import { applyPatch } from './engine.js';
import { applyPatchFreeformSpec, applyPatchFunctionSpec } from './spec.js';

export interface ApplyPatchArgs {
  patch: string;
}

export interface RunApplyPatchOptions {
  /** A `cd` target from an intercepted shell command: patch paths are relative to it. */
  workdir?: string;
  /** Spool's home (never writable); defaults to the context's, else $SPOOL_HOME or ~/.spool. */
  spoolHome?: string;
  /** Test hooks into the commit phase. */
  hooks?: CommitHooks;
}

export interface ApplyPatchToolOptions extends Omit<RunApplyPatchOptions, 'workdir'> {
  /** Which spec the model is offered: the freeform custom tool (default) or the JSON function. */
  form?: 'freeform' | 'function';
}

const FunctionArguments = z.object({ input: z.string() });

export function parseApplyPatchInput(raw: string, shape: 'function' | 'custom'): ParseResult<ApplyPatchArgs> {
  if (shape === 'custom') return { ok: true, args: { patch: raw } };
  const parsed = parseJsonArguments('apply_patch', raw, FunctionArguments);
  return parsed.ok ? { ok: true, args: { patch: parsed.args.input } } : parsed;
}

/** Applies `patch` for a tool call: policy from the context, display items, the model's text. */
export async function runApplyPatch(
  patch: string,
  ctx: ToolContext,
  options: RunApplyPatchOptions = {},
): Promise<ToolResult> {
  const sandbox = ctx.bypassSandbox ? { ...ctx.sandbox, mode: 'danger-full-access' as const } : ctx.sandbox;
  const policy = await buildWritePolicy(sandbox, {
    cwd: ctx.cwd,
    spoolHome: options.spoolHome ?? ctx.spoolHome ?? spoolHome(ctx.env),
    env: ctx.env,
  });
  // Joined, not resolved: `..` in the workdir is applied physically when targets are checked.
  const cwd =
    options.workdir === undefined
      ? ctx.cwd
      : path.isAbsolute(options.workdir)
        ? options.workdir
        : `${ctx.cwd}${path.sep}${options.workdir}`;
  const itemId = ctx.items.newItemId();
  let announced: FileChange[] | undefined;
  const outcome = await applyPatch({
    patch,
    cwd,
    policy,
    signal: ctx.signal,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    onChanges: (changes) => {
      announced = changes;
      ctx.items.started({ id: itemId, type: 'file_change', changes, status: 'in_progress' });
    },
  });
  if (announced) {
    const changes = outcome.status === 'invalid' ? announced : outcome.changes;
    const status = outcome.status === 'applied' ? 'completed' : 'failed';
    ctx.items.completed({ id: itemId, type: 'file_change', changes, status });
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
