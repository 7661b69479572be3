/**
 * A thread's tools when a front end shares one MCP manager between threads (the app-server,
 * `spool mcp-server`). Kept apart from tools.ts so `spool exec` loads no MCP code it does not use.
 */
import type { ThreadSettings } from '../protocol/settings.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { composeMcpTools, type McpToolSource } from '../tools/mcp/tool-set.js';
import type { ToolHandler } from '../tools/types.js';
import { builtinTools } from './tools.js';

/** Built-in tools plus the tools of a shared MCP manager (when there is one). */
export function threadTools(
  settings: ThreadSettings,
  mcp?: McpToolSource,
  extraTools: ToolHandler[] = [],
): ThreadTools {
  const builtins = builtinTools(settings, extraTools);
  if (!mcp) return builtins;
  const composed = composeMcpTools(builtins.registry, mcp);
  return { registry: composed.registry, toolUpdates: composed.toolUpdates, close: builtins.close };
}
