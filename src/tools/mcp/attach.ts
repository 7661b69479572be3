/**
 * MCP: external tool servers as Spool tools (docs/mcp.md). A front end with one thread calls
 * `attachMcpTools`; one that shares servers between threads keeps an McpManager (manager.ts) and
 * composes each thread's tools with `composeMcpTools` (tool-set.ts).
 *
 * The one call a front end makes for a thread: its built-in tools plus the tools of the configured
 * MCP servers, the `toolUpdates` hook for ThreadOptions, and a `close` that releases both.
 *
 * Without configured servers the built-in tools come back as they are, and the MCP client is never
 * loaded (a plain `spool exec` pays nothing for MCP).
 */
import type { McpServerConfig } from '../../config/schema.js';
import type { SandboxPolicy } from '../../protocol/policy.js';
import type { ToolRegistry } from '../registry.js';
import type { McpStartupUpdate } from './manager.js';
import type { ToolUpdate } from './tool-set.js';

/** How long a server may take before the user is told it is still starting (and which). */
const MCP_STILL_STARTING_NOTICE_MS = 1_000;

export interface AttachMcpOptions {
  /** `config.mcp_servers`. */
  servers: Record<string, McpServerConfig> | undefined;
  spoolHome: string;
  env: NodeJS.ProcessEnv;
  /** Where stdio servers without `cwd` run (the session's directory). */
  cwd: string;
  /** The session's sandbox: server programs are never taken from what it may write. */
  sandbox: SandboxPolicy;
  onWarning?: (message: string) => void;
  /** Each server's startup as it goes (starting, ready, failed and why). */
  onStartup?: (update: McpStartupUpdate) => void;
  /** Told once, after MCP_STILL_STARTING_NOTICE_MS, which servers are still starting. */
  onStillStarting?: (servers: Array<{ name: string; timeoutMs: number }>) => void;
}

interface ToolsWithMcp {
  registry: ToolRegistry;
  toolUpdates?: () => ToolUpdate | undefined;
  close(): Promise<void>;
}

/**
 * Starts the configured servers (in parallel) and waits until each has started or failed within its
 * own `startup_timeout_sec` (Codex's default 10 s), so every server that can start is in the first
 * request. Tools that arrive later (a list_changed, a restart) join at a turn boundary, announced.
 */
export async function attachMcpTools(
  builtins: { registry: ToolRegistry; close(): Promise<void> },
  options: AttachMcpOptions,
): Promise<ToolsWithMcp> {
  if (Object.keys(options.servers ?? {}).length === 0) return builtins;
  const [{ McpManager }, { composeMcpTools }, { untrustedCommandRoots }] = await Promise.all([
    import('./manager.js'),
    import('./tool-set.js'),
    import('./server-command.js'),
  ]);
  const mcp = new McpManager(options.servers, {
    spoolHome: options.spoolHome,
    env: options.env,
    cwd: options.cwd,
    untrustedRoots: untrustedCommandRoots(options.sandbox, options.cwd, options.env),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  const starting = new Map<string, number>();
  const unsubscribe = mcp.onStartup((update) => {
    if (update.status === 'starting') starting.set(update.server, update.timeoutMs);
    else starting.delete(update.server);
    options.onStartup?.(update);
  });
  const notice = setTimeout(() => {
    if (starting.size > 0)
      options.onStillStarting?.([...starting].map(([name, timeoutMs]) => ({ name, timeoutMs })));
  }, MCP_STILL_STARTING_NOTICE_MS);
  try {
    await mcp.settled();
  } finally {
    clearTimeout(notice);
    unsubscribe();
  }
  const tools = composeMcpTools(builtins.registry, mcp);
  return {
    registry: tools.registry,
    toolUpdates: tools.toolUpdates,
    close: async () => {
      await Promise.allSettled([builtins.close(), mcp.close()]);
    },
  };
}
