/**
 * The one call a front end makes for a thread: its built-in tools plus the tools of the configured
 * MCP servers, the `toolUpdates` hook for ThreadOptions, and a `close` that releases both.
 *
 * Without configured servers the built-in tools come back as they are, and the MCP client is never
 * loaded (a plain `spool exec` pays nothing for MCP).
 */
import type { McpServerConfig } from '../../config/schema.js';
import type { ToolRegistry } from '../registry.js';
import type { ToolUpdate } from './tool-set.js';

/**
 * How long a front end waits for MCP servers before the first turn. Servers ready by then are in
 * the first request; slower ones join at a later turn boundary (announced), never mid-turn.
 */
export const MCP_FIRST_TURN_WAIT_MS = 3_000;

export interface AttachMcpOptions {
  /** `config.mcp_servers`. */
  servers: Record<string, McpServerConfig> | undefined;
  spoolHome: string;
  env: NodeJS.ProcessEnv;
  /** Where stdio servers without `cwd` run (the session's directory). */
  cwd: string;
  onWarning?: (message: string) => void;
  /** Default MCP_FIRST_TURN_WAIT_MS. */
  waitMs?: number;
}

export interface ToolsWithMcp {
  registry: ToolRegistry;
  toolUpdates?: () => ToolUpdate | undefined;
  close(): Promise<void>;
}

export async function attachMcpTools(
  builtins: { registry: ToolRegistry; close(): Promise<void> },
  options: AttachMcpOptions,
): Promise<ToolsWithMcp> {
  if (Object.keys(options.servers ?? {}).length === 0) return builtins;
  const { McpManager, composeMcpTools } = await import('./index.js');
  const mcp = new McpManager(options.servers, {
    spoolHome: options.spoolHome,
    env: options.env,
    cwd: options.cwd,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  await mcp.settled(options.waitMs ?? MCP_FIRST_TURN_WAIT_MS);
  const tools = composeMcpTools(builtins.registry, mcp);
  return {
    registry: tools.registry,
    toolUpdates: tools.toolUpdates,
    close: async () => {
      await Promise.allSettled([builtins.close(), mcp.close()]);
    },
  };
}
