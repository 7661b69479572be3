/**
 * MCP: external tool servers as Spool tools.
 *
 *   // A front end with one thread: attachMcpTools (attach.ts) does all of this.
 *   const mcp = new McpManager(config.mcp_servers, { spoolHome, env, cwd, onWarning });
 *   await mcp.settled();        // each server within its own startup_timeout_sec
 *   const set = composeMcpTools(createDefaultTools(settings).registry, mcp);
 *   new Thread({ …, tools: set.registry, toolUpdates: set.toolUpdates });
 *   …
 *   await mcp.close();
 *
 * See docs/mcp.md.
 */
export {
  type AttachMcpOptions,
  attachMcpTools,
  MCP_STILL_STARTING_NOTICE_MS,
  type ToolsWithMcp,
} from './attach.js';
export { McpCallError, type McpServerState, type McpToolInfo } from './connection.js';
export {
  McpManager,
  type McpManagerOptions,
  type McpServerStatus,
  type McpStartupUpdate,
  type McpToolEntry,
  type McpToolSnapshot,
  mcpLogFile,
} from './manager.js';
export { isValidServerName, MAX_TOOL_NAME_LENGTH, qualifiedToolName, qualifyToolNames } from './naming.js';
export {
  DEFAULT_MAX_TEXT_BYTES,
  type MappedToolResult,
  mapToolResult,
  type ToolCallResultLike,
} from './result.js';
export { sanitizeInputSchema } from './schema.js';
export { resolveServerCommand, untrustedCommandRoots } from './server-command.js';
export { DEFAULT_STARTUP_TIMEOUT_SEC, DEFAULT_TOOL_TIMEOUT_SEC, resolveServer } from './server-config.js';
export { mcpToolHandler, mcpToolSpec } from './tool-handler.js';
export {
  composeMcpTools,
  describeToolChanges,
  type McpToolSource,
  type ThreadToolSet,
  type ToolUpdate,
} from './tool-set.js';
