/**
 * The tools a thread gets by default, and the per-thread resources behind them (exec sessions),
 * released when the thread closes.
 *
 * One shell shape is advertised (the model sees a single way to run commands); the other shapes
 * Codex-trained models use stay callable, so a model that calls `shell_command` or `exec_command`
 * is served rather than told the tool does not exist. apply_patch is offered as the freeform
 * (grammar-constrained) tool to models that take custom tools, as a JSON function to the others;
 * either shape is accepted, and patches sent through the shell are routed to the same engine.
 */

import { DEFAULT_TOOL_LIMITS } from '../config/tool-limits.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { createApplyPatchTool } from './apply-patch/tool.js';
import { interceptApplyPatch } from './apply-patch-intercept.js';
import { createPlanTool, PlanTracker } from './plan.js';
import { ToolRegistry } from './registry.js';
import { createRequestUserInputTool } from './request-user-input/tool.js';
import { defaultShell, shellInvocation } from './shell/command-line.js';
import { ExecSessionManager } from './shell/exec-sessions.js';
import { ShellSnapshot } from './shell/shell-snapshot.js';
import { createShellTools } from './shell/shell-tool-set.js';
import type { ToolHandler } from './types.js';

export interface ThreadTools {
  registry: ToolRegistry;
  /** Tool set changes to take at turn boundaries (MCP), for ThreadOptions.toolUpdates. */
  toolUpdates?: () => { registry: ToolRegistry; announcement: string } | undefined;
  close(): Promise<void>;
}

type ShellToolShape = 'shell' | 'shell_command' | 'unified_exec';

/** What the tools must know about the model (from the model catalog, passed in by the caller). */
interface DefaultToolsOptions {
  /** The model takes freeform (grammar) tools: apply_patch is offered as one. */
  customTools: boolean;
  shellShape?: ShellToolShape;
  /** More tools the caller provides (the collaboration tools of an agent tree, src/agents/). */
  extraTools?: ToolHandler[];
}

export function createDefaultTools(settings: ThreadSettings, options: DefaultToolsOptions): ThreadTools {
  const shellShape = options.shellShape ?? 'shell';
  const sessions = new ExecSessionManager();
  // `[features] shell_snapshot = false` keeps every command on `bash -lc`.
  const snapshot = settings.shellSnapshot === false ? undefined : new ShellSnapshot(defaultShell());
  const shell = createShellTools(sessions, snapshot ? { snapshot } : {});
  const limits = settings.toolLimits ?? DEFAULT_TOOL_LIMITS;
  const patchOptions = { maxFileBytes: limits.patchFileMaxBytes };
  const byShape: Record<ShellToolShape, ToolHandler[]> = {
    shell: [
      interceptApplyPatch(
        shell.shell,
        (a) => a.command,
        (a) => a.workdir,
        patchOptions,
      ),
    ],
    shell_command: [
      interceptApplyPatch(
        shell.shellCommand,
        (a) => shellInvocation(defaultShell(), a.command, a.login ?? true),
        (a) => a.workdir,
        patchOptions,
      ),
    ],
    unified_exec: [
      interceptApplyPatch(
        shell.execCommand,
        (a) => shellInvocation(a.shell || defaultShell(), a.cmd, a.login ?? true),
        (a) => a.workdir,
        patchOptions,
      ),
      shell.writeStdin,
    ],
  };
  const applyPatch = createApplyPatchTool({
    form: options.customTools ? 'freeform' : 'function',
    ...patchOptions,
  });
  const plan = createPlanTool(new PlanTracker());
  // Offered in every mode (refused where the mode does not allow it), so a mode change never
  // changes the tool list and the cached prefix.
  const userInput = createRequestUserInputTool();
  const advertised = [
    ...byShape[shellShape],
    applyPatch as ToolHandler,
    plan as ToolHandler,
    userInput as ToolHandler,
    ...(options.extraTools ?? []),
  ];
  const hidden = Object.values(byShape)
    .flat()
    .filter((handler) => !advertised.includes(handler));
  return {
    registry: new ToolRegistry(advertised, hidden, { maxArgumentBytes: limits.argumentsMaxBytes }),
    close: async () => {
      await sessions.closeAll();
      await snapshot?.dispose();
    },
  };
}
