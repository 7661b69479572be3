/**
 * All configured MCP servers of a front end (one `spool exec` run, one `spool mcp-server`).
 *
 * Servers start in parallel as soon as the manager exists; nobody waits for a slow one (front ends
 * may wait a little with `settled()`). The manager keeps the current list of every server's tools
 * under a version number; threads read it at turn boundaries (see tool-set.ts), never mid-turn.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { McpServerConfig, McpToolApprovalMode } from '../../config/schema.js';
import { expectSystemError } from '../../protocol/errors.js';
import { McpCallError, McpServerConnection, type McpServerState, type McpToolInfo } from './connection.js';
import { qualifyToolNames, refKey, sanitizeNamePart } from './naming.js';
import type { ToolCallResultLike } from './result.js';
import { resolveServer } from './server-config.js';

interface McpManagerOptions {
  /** Spool's home: server logs go to `<home>/log/mcp-<server>.log`. */
  spoolHome: string;
  /** Spool's environment (stdio servers inherit a few variables of it; bearer tokens come from it). */
  env: NodeJS.ProcessEnv;
  /** Where stdio servers without `cwd` run. */
  cwd: string;
  /** Startup failures, exits: things the user should see. */
  onWarning?: (message: string) => void;
  /** Directories a sandboxed command may write: a server command is never taken from them. */
  untrustedRoots?: readonly string[];
}

/** One server's start: begun, done, or failed (and why). Codex's `mcpServer/startupStatus/updated`. */
export interface McpStartupUpdate {
  server: string;
  status: 'starting' | 'ready' | 'failed';
  error?: string;
  /** The server's `startup_timeout_sec`, in ms. */
  timeoutMs: number;
}

export interface McpToolEntry {
  /** `mcp__<server>__<tool>`, as the model sees it. */
  name: string;
  server: string;
  tool: McpToolInfo;
  /** When a call is asked about (the tool's override, else the server's default, else `auto`). */
  approvalMode: McpToolApprovalMode;
}

export interface McpToolSnapshot {
  /** Changes whenever any server's list changes; equal versions mean equal lists. */
  version: number;
  /** Sorted by name. */
  tools: readonly McpToolEntry[];
}

interface McpServerStatus {
  name: string;
  state: McpServerState | 'disabled' | 'invalid';
  error?: string;
  tools: number;
  /** `notifications/tools/list_changed` received. */
  listChanged: number;
  starts: number;
  logFile?: string;
}

export function mcpLogFile(spoolHome: string, server: string): string {
  return path.join(spoolHome, 'log', `mcp-${sanitizeNamePart(server)}.log`);
}

export class McpManager {
  private readonly connections = new Map<string, McpServerConnection>();
  private readonly inactive: McpServerStatus[] = [];
  private version = 0;
  private cached: McpToolSnapshot | undefined;
  private readonly startups: Promise<void>[] = [];
  private readonly startupListeners = new Set<(update: McpStartupUpdate) => void>();
  /** The last startup update of each server (what a late listener is told first). */
  private readonly startupStates = new Map<string, McpStartupUpdate>();

  constructor(servers: Record<string, McpServerConfig> | undefined, options: McpManagerOptions) {
    const warn = (message: string) => options.onWarning?.(message);
    try {
      fs.mkdirSync(path.join(options.spoolHome, 'log'), { recursive: true });
    } catch (err) {
      expectSystemError(err);
      // Logs are best effort.
    }
    // Sorted, so everything derived (startup order, warnings) is the same on every run.
    for (const name of Object.keys(servers ?? {}).sort()) {
      const config = servers![name]!;
      if (config.enabled === false) {
        this.inactive.push({ name, state: 'disabled', tools: 0, listChanged: 0, starts: 0 });
        continue;
      }
      const resolved = resolveServer(name, config, options);
      if ('error' in resolved) {
        warn(`MCP server "${name}" is not started: ${resolved.error}`);
        this.inactive.push({
          name,
          state: 'invalid',
          error: resolved.error,
          tools: 0,
          listChanged: 0,
          starts: 0,
        });
        continue;
      }
      const timeoutMs = resolved.server.startupTimeoutMs;
      const connection = new McpServerConnection(resolved.server, mcpLogFile(options.spoolHome, name), {
        toolsChanged: () => {
          this.version++;
          this.cached = undefined;
        },
        warn,
        startup: (status, error) => {
          const update: McpStartupUpdate = { server: name, status, timeoutMs, ...(error ? { error } : {}) };
          this.startupStates.set(name, update);
          for (const listener of this.startupListeners) listener(update);
        },
      });
      this.connections.set(name, connection);
      this.startups.push(connection.start());
    }
  }

  /**
   * Startup updates of every server, beginning with each one's current state; returns the
   * unsubscribe function.
   */
  onStartup(listener: (update: McpStartupUpdate) => void): () => void {
    for (const update of this.startupStates.values()) listener(update);
    this.startupListeners.add(listener);
    return () => this.startupListeners.delete(listener);
  }

  /** Server names with a connection (enabled and valid). */
  get serverNames(): string[] {
    return [...this.connections.keys()];
  }

  /**
   * Resolves when every server has started or failed (each within its own `startup_timeout_sec`),
   * or after `timeoutMs`, whichever is first. Front ends wait for this before the first turn, so
   * every server that can start is in the first request.
   */
  async settled(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    const all = Promise.all(this.startups).then(() => undefined);
    if (!Number.isFinite(timeoutMs)) return all;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Waits until startups and pending list refreshes are done (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.idle()));
  }

  snapshot(): McpToolSnapshot {
    if (this.cached) return this.cached;
    const refs = [...this.connections.values()].flatMap((c) =>
      c.tools.map((tool) => ({
        server: c.name,
        tool,
        approvalMode:
          c.server.approval.tools[tool.name] ?? c.server.approval.defaultMode ?? ('auto' as const),
      })),
    );
    const names = qualifyToolNames(refs.map((r) => ({ server: r.server, tool: r.tool.name })));
    const tools = refs
      .map((r) => ({
        name: names.get(refKey({ server: r.server, tool: r.tool.name }))!,
        server: r.server,
        tool: r.tool,
        approvalMode: r.approvalMode,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.cached = { version: this.version, tools };
    return this.cached;
  }

  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ToolCallResultLike> {
    const connection = this.connections.get(server);
    if (!connection) return Promise.reject(new McpCallError(`MCP server "${server}" is not configured.`));
    return connection.callTool(tool, args, signal);
  }

  status(): McpServerStatus[] {
    const active = [...this.connections.values()].map(
      (c): McpServerStatus => ({
        name: c.name,
        state: c.state,
        ...(c.error ? { error: c.error } : {}),
        tools: c.tools.length,
        listChanged: c.listChangedCount,
        starts: c.starts,
        logFile: c.logFile,
      }),
    );
    return [...active, ...this.inactive].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }
}
