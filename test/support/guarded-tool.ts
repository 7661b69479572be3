/**
 * A parallel tool that asks approval for `do <what>` before acting and records in `runs` what ran:
 * the model is told `did <what>`, or `not done: <decision> (<reason>)`.
 */
import { z } from 'zod';
import { functionSpec, parseJsonArguments } from '../../src/tools/spec.js';
import type { ToolHandler } from '../../src/tools/types.js';

export function guardedTool(runs: string[]): ToolHandler<{ what: string }> {
  const schema = z.object({ what: z.string() });
  return {
    name: 'guarded',
    spec: functionSpec('guarded', 'Asks first.', schema),
    parallel: true,
    parse: (raw) => parseJsonArguments('guarded', raw, schema),
    run: async (args, ctx) => {
      const outcome = await ctx.requestApproval({
        kind: 'command',
        command: ['do', args.what],
        display: `do ${args.what}`,
        cwd: ctx.cwd,
        reason: 'it changes things',
        policy: ctx.approvalPolicy,
      });
      if (outcome.decision === 'approved') {
        runs.push(args.what);
        return { output: `did ${args.what}`, success: true };
      }
      return { output: `not done: ${outcome.decision} (${outcome.reason ?? ''})`, success: false };
    },
  };
}
