/**
 * The tools a thread gets: Spool's own (with what they must know about the model, from the
 * catalog) and, when a front end shares one MCP manager between threads, that manager's tools.
 */
import { modelInfo } from '../model/catalog.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { createDefaultTools, type ThreadTools } from '../tools/default-tools.js';
import { composeMcpTools, type McpToolSource } from '../tools/mcp/tool-set.js';

/** Spool's built-in tools for a thread running with `settings`. */
export function builtinTools(settings: ThreadSettings): ThreadTools {
  return createDefaultTools(settings, { customTools: modelInfo(settings.model).customTools });
}

/** Built-in tools plus the tools of a shared MCP manager (when there is one). */
export function threadTools(settings: ThreadSettings, mcp?: McpToolSource): ThreadTools {
  const builtins = builtinTools(settings);
  if (!mcp) return builtins;
  const composed = composeMcpTools(builtins.registry, mcp);
  return { registry: composed.registry, toolUpdates: composed.toolUpdates, close: builtins.close };
}
