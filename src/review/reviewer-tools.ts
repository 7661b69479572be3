/**
 * The reviewer's tools: the shell, for reading, searching and read-only checks — and nothing that
 * writes. `apply_patch` and `update_plan` are absent; a patch sent through the shell
 * (`apply_patch <<EOF`) is refused with a message instead of reaching the patch engine; every
 * command runs in the read-only sandbox, where writes fail in the kernel.
 */

import { DEFAULT_TOOL_LIMITS } from '../config/tool-limits.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { extractApplyPatchInvocation } from '../tools/apply-patch/invocation.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { ToolRegistry } from '../tools/registry.js';
import { defaultShell, shellInvocation } from '../tools/shell/command-line.js';
import { ExecSessionManager } from '../tools/shell/exec-sessions.js';
import { createShellTools } from '../tools/shell/shell-tool-set.js';
import type { ToolHandler } from '../tools/types.js';

const PATCH_REFUSED =
  'apply_patch is not available: this is a read-only code review, and nothing in the repository may change. Report the problem as a finding instead.';

/** Wraps a shell handler: a patch invocation is refused; any other command runs as usual. */
function refusingPatches<A>(handler: ToolHandler<A>, argvOf: (args: A) => string[]): ToolHandler<A> {
  return {
    ...handler,
    run: async (args, ctx) => {
      if (await extractApplyPatchInvocation(argvOf(args))) return { output: PATCH_REFUSED, success: false };
      return handler.run(args, ctx);
    },
  };
}

export function createReviewerTools(settings: ThreadSettings): ThreadTools {
  const sessions = new ExecSessionManager();
  const shell = createShellTools(sessions);
  const limits = settings.toolLimits ?? DEFAULT_TOOL_LIMITS;
  const advertised = [refusingPatches(shell.shell, (a) => a.command)];
  // The other shell shapes Codex-trained models use stay callable (not advertised), refusing patches too.
  const hidden: ToolHandler[] = [
    refusingPatches(shell.shellCommand, (a) =>
      shellInvocation(defaultShell(), a.command, a.login ?? true),
    ) as ToolHandler,
    refusingPatches(shell.execCommand, (a) =>
      shellInvocation(a.shell || defaultShell(), a.cmd, a.login ?? true),
    ) as ToolHandler,
    shell.writeStdin as ToolHandler,
  ];
  return {
    registry: new ToolRegistry(advertised as ToolHandler[], hidden, {
      maxArgumentBytes: limits.argumentsMaxBytes,
    }),
    close: () => sessions.closeAll(),
  };
}
