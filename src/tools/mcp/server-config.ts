/**
 * `[mcp_servers.<name>]` entries → what it takes to start each server, with Codex's defaults:
 * startup within 10 s, each tool call within 60 s, stdio servers given a small default environment
 * (not Spool's whole environment: API keys stay with Spool) plus the entry's `env`.
 */
import path from 'node:path';
import type { McpServerConfig, McpToolApprovalMode } from '../../config/schema.js';
import { expectTypeError } from '../../protocol/errors.js';
import { INHERITED_ENV, scrubSecretEnv } from '../../sandbox/environment.js';
import { resolveServerCommand, trustedSearchPath } from './server-command.js';

export const DEFAULT_STARTUP_TIMEOUT_SEC = 10;
export const DEFAULT_TOOL_TIMEOUT_SEC = 60;

export type McpTransportSpec =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd: string }
  | { kind: 'http'; url: string; headers: Record<string, string> };

export interface ResolvedMcpServer {
  name: string;
  transport: McpTransportSpec;
  /** Raw tool names offered (undefined: all), then minus `disabledTools`. */
  enabledTools?: ReadonlySet<string>;
  disabledTools: ReadonlySet<string>;
  startupTimeoutMs: number;
  toolTimeoutMs: number;
  /** `default_tools_approval_mode`, and `tools.<tool>.approval_mode` overrides. */
  approval: { defaultMode?: McpToolApprovalMode; tools: Record<string, McpToolApprovalMode> };
}

interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  /** Where stdio servers without `cwd` run, and what a relative `cwd` is relative to. */
  cwd: string;
  /** Directories a sandboxed command may write: a command given by name is never found there. */
  untrustedRoots?: readonly string[];
}

export function toolAllowed(server: ResolvedMcpServer, tool: string): boolean {
  if (server.enabledTools && !server.enabledTools.has(tool)) return false;
  return !server.disabledTools.has(tool);
}

function inheritedEnv(env: NodeJS.ProcessEnv, untrustedRoots: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of INHERITED_ENV.mcpServer) {
    // The server's own lookups (`#!/usr/bin/env node`) skip what the sandbox may write, too.
    const value = key === 'PATH' ? trustedSearchPath(env.PATH, untrustedRoots) : env[key];
    // Exported shell functions are not passed on (they start with `()`).
    if (value !== undefined && !value.startsWith('()')) out[key] = value;
  }
  return out;
}

/** One entry, or why it cannot be used. */
export function resolveServer(
  name: string,
  config: McpServerConfig,
  options: ResolveOptions,
): { server: ResolvedMcpServer } | { error: string } {
  let transport: McpTransportSpec;
  if (config.command !== undefined && config.url !== undefined) {
    return { error: 'set either `command` (stdio) or `url` (streamable HTTP), not both' };
  }
  if (config.command !== undefined) {
    if (config.command.trim() === '') return { error: '`command` is empty' };
    const cwd = path.resolve(options.cwd, config.cwd ?? '.');
    const program = resolveServerCommand(config.command, {
      env: options.env,
      untrustedRoots: options.untrustedRoots ?? [],
      cwd,
    });
    if (!program.ok) return { error: program.error };
    transport = {
      kind: 'stdio',
      command: program.path,
      args: config.args ?? [],
      // The inherited part is scrubbed of credentials; the entry's own `env` is named explicitly.
      env: {
        ...scrubSecretEnv(inheritedEnv(options.env, options.untrustedRoots ?? [])),
        ...(config.env ?? {}),
      },
      cwd,
    };
  } else if (config.url !== undefined) {
    try {
      const url = new URL(config.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return { error: `\`url\` ${config.url} is not http(s)` };
    } catch (err) {
      expectTypeError(err);
      return { error: `\`url\` ${config.url} is not a URL` };
    }
    const headers: Record<string, string> = { ...(config.http_headers ?? {}) };
    if (config.bearer_token_env_var !== undefined) {
      const token = options.env[config.bearer_token_env_var];
      if (!token)
        return {
          error: `the environment variable ${config.bearer_token_env_var} (bearer_token_env_var) is not set`,
        };
      headers.Authorization = `Bearer ${token}`;
    }
    transport = { kind: 'http', url: config.url, headers };
  } else {
    return { error: 'needs `command` (stdio) or `url` (streamable HTTP)' };
  }
  return {
    server: {
      name,
      transport,
      ...(config.enabled_tools ? { enabledTools: new Set(config.enabled_tools) } : {}),
      disabledTools: new Set(config.disabled_tools ?? []),
      startupTimeoutMs: (config.startup_timeout_sec ?? DEFAULT_STARTUP_TIMEOUT_SEC) * 1000,
      toolTimeoutMs: (config.tool_timeout_sec ?? DEFAULT_TOOL_TIMEOUT_SEC) * 1000,
      approval: {
        ...(config.default_tools_approval_mode ? { defaultMode: config.default_tools_approval_mode } : {}),
        tools: Object.fromEntries(
          Object.entries(config.tools ?? {}).flatMap(([tool, c]) =>
            c.approval_mode ? [[tool, c.approval_mode]] : [],
          ),
        ),
      },
    },
  };
}
