/**
 * One MCP server: starting it (within its startup timeout), its current tool list, calls (within
 * the tool timeout), and what happens when it misbehaves.
 *
 * - A server that exits is restarted on the next call of one of its tools; the call that was
 *   running gets a tool error.
 * - A call that times out is cancelled; the server is then pinged, and one that does not answer is
 *   taken as hung: killed, and restarted on the next call.
 * - `notifications/tools/list_changed` re-lists the tools. The new list is only recorded here and
 *   reported through `toolsChanged`: what the model sees changes at the next turn boundary.
 *
 * Listing and calling parse results leniently (not with the SDK's strict schemas): one tool with a
 * malformed schema must not make a whole server unusable.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ElicitRequestSchema,
  ErrorCode,
  McpError,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { VERSION } from '../../version.js';
import type { ToolCallResultLike } from './result.js';
import { type ResolvedMcpServer, toolAllowed } from './server-config.js';
import { StdioProcessTransport } from './stdio-transport.js';

export type McpServerState = 'starting' | 'ready' | 'failed' | 'stopped' | 'closed';

export interface McpToolInfo {
  /** The server's own name for the tool. */
  name: string;
  description: string;
  inputSchema: unknown;
  /** The server says the tool changes nothing (`annotations.readOnlyHint`). */
  readOnly: boolean;
  /** `annotations.destructiveHint` / `openWorldHint` as the server gave them (undefined: not said). */
  destructive?: boolean;
  openWorld?: boolean;
}

interface ConnectionHooks {
  /** The tool list differs from the one reported before (first listing, list_changed, restart). */
  toolsChanged(): void;
  warn(message: string): void;
  /** A start began, succeeded or failed (`error` says why). */
  startup?(state: 'starting' | 'ready' | 'failed', error?: string): void;
}

/** A call that failed before the server produced a result; the message is for the model. */
export class McpCallError extends Error {}

/** How long a server suspected of hanging has to answer a ping. */
const PING_TIMEOUT_MS = 2_000;
/** Pages of `tools/list` read at most (a server that pages forever is cut off). */
const MAX_LIST_PAGES = 100;

const ToolsPage = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});
const CallResult = z.looseObject({});

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function toolInfo(raw: unknown): McpToolInfo | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const tool = raw as Record<string, unknown>;
  if (typeof tool.name !== 'string' || tool.name === '') return undefined;
  const annotations = (tool.annotations ?? {}) as Record<string, unknown>;
  return {
    name: tool.name,
    description:
      typeof tool.description === 'string'
        ? tool.description
        : typeof tool.title === 'string'
          ? tool.title
          : '',
    inputSchema: tool.inputSchema,
    readOnly: annotations.readOnlyHint === true,
    ...(typeof annotations.destructiveHint === 'boolean' ? { destructive: annotations.destructiveHint } : {}),
    ...(typeof annotations.openWorldHint === 'boolean' ? { openWorld: annotations.openWorldHint } : {}),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class McpServerConnection {
  state: McpServerState = 'starting';
  tools: readonly McpToolInfo[] = [];
  /** Why the server is not ready (startup failure, exit). */
  error: string | undefined;
  /** `notifications/tools/list_changed` received, over every start. */
  listChangedCount = 0;
  starts = 0;

  private client: Client | undefined;
  private transport: Transport | undefined;
  private starting: Promise<void> | undefined;
  /** A ping after a timed-out call: the next call waits for its verdict. */
  private healthCheck: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private closing = false;

  constructor(
    readonly server: ResolvedMcpServer,
    readonly logFile: string,
    private readonly hooks: ConnectionHooks,
  ) {}

  get name(): string {
    return this.server.name;
  }

  /** Starts (or restarts) the server; never rejects: a failure is recorded in `state`/`error`. */
  start(): Promise<void> {
    this.starting ??= this.connect().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private makeTransport(): Transport {
    const spec = this.server.transport;
    if (spec.kind === 'stdio') {
      return new StdioProcessTransport({ ...spec, logFile: this.logFile });
    }
    return new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers } });
  }

  private async connect(): Promise<void> {
    this.state = 'starting';
    this.starts++;
    this.hooks.startup?.('starting');
    const timeoutMs = this.server.startupTimeoutMs;
    const started = Date.now();
    const client = new Client({ name: 'spool', version: VERSION }, { capabilities: { elicitation: {} } });
    // No one can answer a server's question in the middle of a tool call: decline it.
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' as const }));
    let changedWhileStarting = false;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      this.listChangedCount++;
      if (this.client === client) this.refresh();
      else changedWhileStarting = true;
    });
    client.onclose = () => this.closed(client);
    const transport = this.makeTransport();
    this.transport = transport;
    try {
      await withTimeout(
        client.connect(transport, { timeout: timeoutMs }),
        timeoutMs,
        `it did not start within ${seconds(timeoutMs)}`,
      );
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      const tools = await withTimeout(
        this.listTools(client, left),
        left,
        `it did not list its tools within ${seconds(timeoutMs)}`,
      );
      if (this.closing) throw new Error('Spool is shutting down');
      this.client = client;
      this.state = 'ready';
      this.error = undefined;
      this.setTools(tools);
      this.hooks.startup?.('ready');
      if (changedWhileStarting) this.refresh();
    } catch (err) {
      this.transport = undefined;
      if (transport instanceof StdioProcessTransport) transport.kill();
      await client.close().catch((closeErr: unknown) => this.closeFailed(closeErr));
      if (this.closing) {
        this.state = 'closed';
        return;
      }
      this.state = 'failed';
      this.error = messageOf(err);
      this.hooks.startup?.('failed', this.error);
      this.hooks.warn(
        `MCP server "${this.name}" failed to start: ${this.error} (server log: ${this.logFile})`,
      );
    }
  }

  /** The client's connection ended (the server exited, or we closed it). */
  private closed(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.transport = undefined;
    if (this.closing) {
      this.state = 'closed';
      return;
    }
    this.state = 'stopped';
    this.error = 'the server exited';
    this.hooks.warn(
      `MCP server "${this.name}" exited; it will be restarted when one of its tools is called (server log: ${this.logFile})`,
    );
  }

  private async listTools(client: Client, timeoutMs: number): Promise<McpToolInfo[]> {
    const byName = new Map<string, McpToolInfo>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await client.request(
        { method: 'tools/list', params: cursor ? { cursor } : {} },
        ToolsPage,
        { timeout: timeoutMs },
      );
      for (const raw of result.tools) {
        const tool = toolInfo(raw);
        // The first of two same-named tools wins; filtered tools are never offered.
        if (tool && !byName.has(tool.name) && toolAllowed(this.server, tool.name))
          byName.set(tool.name, tool);
      }
      if (!result.nextCursor || result.nextCursor === cursor) break;
      cursor = result.nextCursor;
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private setTools(tools: McpToolInfo[]): void {
    if (JSON.stringify(tools) === JSON.stringify(this.tools)) return;
    this.tools = tools;
    this.hooks.toolsChanged();
  }

  /** Re-lists the tools after list_changed; notifications during a listing cause one more. */
  private refresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const client = this.client;
        if (!client) return;
        try {
          const tools = await this.listTools(client, this.server.toolTimeoutMs);
          if (this.client === client) this.setTools(tools);
        } catch (err) {
          this.hooks.warn(`MCP server "${this.name}": could not list its changed tools: ${messageOf(err)}`);
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = undefined;
    });
  }

  /** Waits for pending list refreshes (tests, and front ends that want an up-to-date list). */
  async idle(): Promise<void> {
    await this.starting;
    while (this.refreshing) await this.refreshing;
  }

  /**
   * Calls `tool`. Resolves with the server's result (which may be `isError`); rejects with an
   * McpCallError whose message is for the model when there is no result.
   */
  async callTool(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ToolCallResultLike> {
    await this.healthCheck;
    if (this.closing) throw new McpCallError('Spool is shutting down.');
    if (this.state === 'starting') await this.starting;
    else if (this.state === 'stopped' || this.state === 'failed') await this.start();
    const client = this.client;
    if (this.state !== 'ready' || !client) {
      throw new McpCallError(
        `MCP server "${this.name}" is not available: ${this.error ?? 'it is not running'}.`,
      );
    }
    if (!toolAllowed(this.server, tool)) {
      throw new McpCallError(`Tool "${tool}" of MCP server "${this.name}" is disabled in the configuration.`);
    }
    const timeoutMs = this.server.toolTimeoutMs;
    try {
      return (await client.request(
        { method: 'tools/call', params: { name: tool, arguments: args } },
        CallResult,
        { timeout: timeoutMs, signal },
      )) as ToolCallResultLike;
    } catch (err) {
      if (signal.aborted) throw new McpCallError('The call was interrupted.');
      if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
        const hung = await this.checkHealth(client);
        throw new McpCallError(
          `MCP tool "${tool}" (server "${this.name}") did not finish within ${seconds(timeoutMs)}, so the call was cancelled.` +
            (hung
              ? ' The server did not answer a ping either, so it was stopped; it will be restarted on the next call.'
              : ''),
        );
      }
      if (this.client !== client || (err instanceof McpError && err.code === ErrorCode.ConnectionClosed)) {
        throw new McpCallError(
          `MCP server "${this.name}" exited while running "${tool}"; it will be restarted on the next call.`,
        );
      }
      if (err instanceof McpError) {
        throw new McpCallError(`MCP server "${this.name}" answered "${tool}" with an error: ${err.message}`);
      }
      // Not a protocol error: the connection itself failed (an HTTP server went away). Reconnect next time.
      this.drop(client);
      throw new McpCallError(
        `Calling "${tool}" on MCP server "${this.name}" failed: ${messageOf(err)}. The connection will be reopened on the next call.`,
      );
    }
  }

  /** Pings after a timeout; a server that does not answer is killed. Resolves true when it was hung. */
  private checkHealth(client: Client): Promise<boolean> {
    const verdict = client
      .ping({ timeout: Math.min(PING_TIMEOUT_MS, this.server.toolTimeoutMs) })
      .then(() => false)
      .catch((err: unknown) => {
        // Any failure of the ping (its timeout, a closed connection) means the server is not answering.
        this.drop(client, `the server stopped responding (ping: ${messageOf(err)})`);
        return true;
      });
    this.healthCheck = verdict.then(() => undefined);
    return verdict;
  }

  /** Forgets a broken connection (killing a stdio server) so the next call starts afresh. */
  private drop(client: Client, why = 'the server stopped responding'): void {
    if (this.client !== client) return;
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    this.state = 'stopped';
    this.error = why;
    if (transport instanceof StdioProcessTransport) transport.kill();
    void client.close().catch((err: unknown) => this.closeFailed(err));
  }

  /** Closing a broken connection failed too: said, as nothing else will say it. */
  private closeFailed(err: unknown): void {
    this.hooks.warn(`MCP server "${this.name}": closing its connection failed: ${messageOf(err)}`);
  }

  async close(): Promise<void> {
    this.closing = true;
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    this.state = 'closed';
    await Promise.allSettled([client?.close(), client ? undefined : transport?.close(), this.starting]);
  }
}
