/**
 * `apply_patch` sent through a shell command (`bash -lc "apply_patch <<'EOF' … EOF"`, optionally after
 * `cd dir &&`) is routed to the patch engine instead of the shell, as Codex does: one engine, one
 * path policy, whichever way the model sends a patch.
 */
import path from 'node:path';
import { extractApplyPatchInvocation } from './apply-patch/invocation.js';
import { type RunApplyPatchOptions, runApplyPatch } from './apply-patch/tool.js';
import type { ToolHandler } from './types.js';

/**
 * Wraps a shell handler: `argvOf(args)` gives the argv the shell would run and `workdirOf(args)` the
 * model's `workdir`; a patch invocation runs through apply_patch, anything else through `handler`.
 */
export function interceptApplyPatch<A>(
  handler: ToolHandler<A>,
  argvOf: (args: A) => string[],
  workdirOf: (args: A) => string | undefined,
  /** Options every routed patch gets (limits). */
  patchOptions: Omit<RunApplyPatchOptions, 'workdir'> = {},
): ToolHandler<A> {
  return {
    ...handler,
    run: async (args, ctx) => {
      const invocation = await extractApplyPatchInvocation(argvOf(args));
      if (!invocation) return handler.run(args, ctx);
      const base = workdirOf(args);
      const workdir =
        base === undefined
          ? invocation.workdir
          : invocation.workdir === undefined
            ? base
            : path.isAbsolute(invocation.workdir)
              ? invocation.workdir
              : `${base}${path.sep}${invocation.workdir}`;
      return runApplyPatch(
        invocation.patch,
        ctx,
        workdir === undefined ? patchOptions : { ...patchOptions, workdir },
      );
    },
  };
}
