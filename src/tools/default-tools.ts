/**
 * The tools a thread gets by default, and the per-thread resources behind them (exec sessions),
 * released when the thread closes.
 *
 * One shell shape is advertised (the model sees a single way to run commands); the other shapes
 * Codex-trained models use stay callable, so a model that calls `shell_command` or `exec_command`
 * is served rather than told the tool does not exist.
 */
import type { ThreadSettings } from '../agent/settings.js';
import { ToolRegistry } from './registry.js';
import { createShellTools, ExecSessionManager } from './shell/index.js';
import type { ToolHandler } from './types.js';

export interface ThreadTools {
  registry: ToolRegistry;
  close(): Promise<void>;
}

export type ShellToolShape = 'shell' | 'shell_command' | 'unified_exec';

export function createDefaultTools(
  _settings: ThreadSettings,
  shellShape: ShellToolShape = 'shell',
): ThreadTools {
  const sessions = new ExecSessionManager();
  const shell = createShellTools(sessions);
  const byShape: Record<ShellToolShape, ToolHandler[]> = {
    shell: [shell.shell],
    shell_command: [shell.shellCommand],
    unified_exec: [shell.execCommand, shell.writeStdin],
  };
  const advertised = byShape[shellShape];
  const hidden = Object.values(byShape)
    .flat()
    .filter((handler) => !advertised.includes(handler));
  return {
    registry: new ToolRegistry(advertised as ToolHandler[], hidden as ToolHandler[]),
    close: () => sessions.closeAll(),
  };
}
