/**
 * The MCP servers a sub-agent starts: the root's configured `[mcp_servers]`, narrowed or extended
 * by its role. Each child starts its own connections (released when the child closes): a server
 * connection carries state of its own (a stdio process, a session), and a role may choose another
 * set than the root's. Pure.
 */
import type { McpServerConfig } from '../config/schema.js';
import type { AgentRole } from './roles.js';

export function childMcpServers(
  rootServers: Record<string, McpServerConfig> | undefined,
  role: AgentRole | undefined,
): { servers: Record<string, McpServerConfig>; warnings: string[] } {
  const root = rootServers ?? {};
  const warnings: string[] = [];
  const mcp = role?.mcpServers;
  if (!mcp) return { servers: { ...root }, warnings };
  if (mcp.kind === 'definitions') return { servers: { ...root, ...mcp.servers }, warnings };
  const servers: Record<string, McpServerConfig> = {};
  for (const name of mcp.names) {
    const config = root[name];
    if (config) servers[name] = config;
    else
      warnings.push(
        `role "${role?.name}" names MCP server "${name}", which is not configured ([mcp_servers] in config.toml: ${Object.keys(root).sort().join(', ') || 'none'}); the agent goes on without it`,
      );
  }
  return { servers, warnings };
}
