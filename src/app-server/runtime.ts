/**
 * From a client's thread settings (Codex's names) to what a Spool thread runs with: command-line
 * style flags layered over the server's own, loaded through the same configuration code as
 * `spool exec`, so config.toml, profiles and providers apply alike.
 */
import fs from 'node:fs';
import type { Thread } from '../agent/thread.js';
import { ConfigError } from '../config/load.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadRuntime, type Runtime } from '../config/runtime.js';
import type { McpServerConfig } from '../config/schema.js';
import { createModelClient } from '../model/client-factory.js';
import type { ModelClient } from '../model/types.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { threadTools } from '../session/mcp-tools.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { McpManager, type McpStartupUpdate } from '../tools/mcp/manager.js';
import { untrustedCommandRoots } from '../tools/mcp/server-command.js';
import type { ToolHandler } from '../tools/types.js';
import { invalidParams, invalidRequest } from './jsonrpc.js';
import type { ServerLimits } from './limits.js';
import type { ThreadOverrides } from './params.js';
import { approvalPolicyIn } from './v2-shapes.js';

/** What every thread of one server shares: environment, defaults, and the seams tests replace. */
export interface ServerContext {
  env: NodeJS.ProcessEnv;
  /** The server's own flags (`spool app-server -m … -c …`): defaults of every thread. */
  flags: CliFlags;
  limits: ServerLimits;
  /** A thread's tools; `extraTools` are the collaboration tools of its agent tree (src/agents/). */
  createTools(settings: ThreadSettings, extraTools?: ToolHandler[]): ThreadTools;
  createModelClient(runtime: Runtime): ModelClient;
  /** Resolves when the tools a new thread gets are ready (MCP servers started or failed). */
  toolsReady(): Promise<void>;
  /** Every thread the server loads, with its provider (OpenTelemetry observes it when `[otel]` is on). */
  /** A thread was loaded; `parentThreadId`: the thread that spawned it (a sub-agent). */
  threadLoaded?(thread: Thread, providerId: string, parentThreadId?: string): void;
}

export interface DefaultSeams extends Pick<ServerContext, 'createTools' | 'createModelClient'> {
  /**
   * Starts the configured MCP servers (once) and resolves when each has started or failed within its
   * own `startup_timeout_sec`, so a new thread's first request has every server that can start.
   */
  mcpReady(): Promise<void>;
  /** Each MCP server's startup as it goes (`mcpServer/startupStatus/updated`). */
  onMcpStartup(listener: (update: McpStartupUpdate) => void): void;
  /** Stops what the seams started (the MCP servers). */
  close(): Promise<void>;
}

/**
 * Spool's own tools for every thread, plus the MCP servers of the server's configuration. One MCP
 * manager serves every thread; servers start with the first thread (or `mcpReady`), and tools that
 * arrive later join each thread at a turn boundary (announced), never inside a turn.
 */
export function defaultSeams(env: NodeJS.ProcessEnv, flags: CliFlags): DefaultSeams {
  let servers: Record<string, McpServerConfig> | undefined;
  let home = '';
  let untrustedRoots: string[] = [];
  let cwd = process.cwd();
  try {
    const runtime = loadRuntime(flags, env, { approvalPolicy: 'on-request' });
    servers = runtime.config.mcp_servers;
    home = runtime.home;
    cwd = runtime.settings.cwd;
    untrustedRoots = untrustedCommandRoots(runtime.settings.sandbox, cwd, env);
  } catch (err) {
    // A broken configuration is reported when a thread starts; no MCP servers until then.
    if (!(err instanceof ConfigError)) throw err;
  }
  let manager: McpManager | undefined;
  const listeners: Array<(update: McpStartupUpdate) => void> = [];
  const ensureManager = (): McpManager | undefined => {
    if (!servers || Object.keys(servers).length === 0) return undefined;
    if (!manager) {
      manager = new McpManager(servers, { spoolHome: home, env, cwd, untrustedRoots });
      manager.onStartup((update) => {
        for (const listener of listeners) listener(update);
      });
    }
    return manager;
  };
  return {
    createModelClient,
    createTools: (settings, extraTools) => threadTools(settings, ensureManager(), extraTools),
    mcpReady: async () => {
      await ensureManager()?.settled();
    },
    onMcpStartup: (listener) => {
      listeners.push(listener);
    },
    close: async () => {
      await manager?.close();
    },
  };
}

/** A JSON value as a TOML value (for `config` overrides, which take the `-c key=value` path). */
function tomlValue(value: unknown, where: string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidParams(`config.${where}: ${value} is not a TOML number`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => tomlValue(v, `${where}[${i}]`)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([key, v]) => `${JSON.stringify(key)} = ${tomlValue(v, `${where}.${key}`)}`,
    );
    return `{ ${entries.join(', ')} }`;
  }
  throw invalidParams(`config.${where}: null is not a configuration value (leave the key out instead)`);
}

/** The server's flags with a client's settings on top (theirs win, as command-line flags do). */
export function threadFlags(base: CliFlags, overrides: ThreadOverrides): CliFlags {
  const config = Object.entries(overrides.config ?? {}).map(
    ([key, value]) => `${key}=${tomlValue(value, key)}`,
  );
  return {
    ...base,
    config: [...(base.config ?? []), ...config],
    model: overrides.model ?? base.model,
    provider: overrides.modelProvider ?? base.provider,
    cwd: overrides.cwd ?? base.cwd,
    approvalPolicy: overrides.approvalPolicy
      ? approvalPolicyIn(overrides.approvalPolicy)
      : base.approvalPolicy,
    sandbox: overrides.sandbox ?? base.sandbox,
  };
}

/** Loads configuration for a thread; configuration problems are the client's to fix (invalid params). */
export function loadThreadRuntime(
  ctx: ServerContext,
  flags: CliFlags,
  instructions: Pick<ThreadOverrides, 'baseInstructions' | 'developerInstructions'> = {},
): Runtime {
  let runtime: Runtime;
  try {
    runtime = loadRuntime(flags, ctx.env, { approvalPolicy: 'on-request' });
  } catch (err) {
    configFailure(err);
  }
  const cwd = runtime.settings.cwd;
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())
    throw invalidParams(`working directory ${cwd} does not exist`);
  const missingKey = missingKeyMessage(runtime.provider);
  if (missingKey) throw invalidRequest(`${missingKey} (in the app-server's environment)`);
  if (instructions.baseInstructions != null)
    runtime.settings.baseInstructions = instructions.baseInstructions;
  if (instructions.developerInstructions != null)
    runtime.settings.developerInstructions = instructions.developerInstructions;
  return runtime;
}

/** The server's own settings (no thread): what `command/exec` runs with. */
export function serverSettings(ctx: ServerContext, cwd: string | undefined): ThreadSettings {
  try {
    return loadRuntime({ ...ctx.flags, ...(cwd ? { cwd } : {}) }, ctx.env, { approvalPolicy: 'on-request' })
      .settings;
  } catch (err) {
    configFailure(err);
  }
}

/** A configuration error as the client's invalid params; anything else is rethrown. */
export function configFailure(err: unknown): never {
  if (err instanceof ConfigError) throw invalidParams(`configuration: ${err.message}`);
  throw err;
}
