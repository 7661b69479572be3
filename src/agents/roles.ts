/**
 * Roles for sub-agents: built-in `explorer` and `worker`, `[agents.<name>]` tables in
 * config.toml, and one TOML file per role in `$SPOOL_HOME/agents/` and in the repository's
 * `.spool/agents/` (the nearer one wins by name). Malformed files are skipped with a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { AgentRoleConfig, type AgentsConfig } from '../config/agents-schema.js';
import { McpServerConfig } from '../config/schema.js';
import type { SandboxMode } from '../protocol/policy.js';

export interface AgentRole {
  name: string;
  description: string;
  developerInstructions?: string;
  model?: string;
  reasoningEffort?: string;
  /** A narrower sandbox than the parent's; a wider one is refused when the role is used. */
  sandboxMode?: SandboxMode;
  /** Only these of the root's MCP servers, or these servers besides the root's (child-mcp.ts). */
  mcpServers?:
    | { kind: 'names'; names: string[] }
    | { kind: 'definitions'; servers: Record<string, McpServerConfig> };
  /** Where it was defined (`built-in`, `config.toml`, a file). */
  source: string;
}

const BUILTIN_ROLES: readonly AgentRole[] = [
  {
    name: 'explorer',
    description: 'Answers questions about the codebase by reading it; runs read-only and changes nothing.',
    developerInstructions:
      'You are an explorer: answer the question you were given by reading the codebase (search, open files, run read-only commands). Change nothing. End with a precise answer: file paths, line numbers, what you found and how sure you are.',
    sandboxMode: 'read-only',
    source: 'built-in',
  },
  {
    name: 'worker',
    description: 'Implements a change in the set of files it is assigned; edits nothing else.',
    developerInstructions:
      'You are a worker: you own the files your task assigns to you and change only those (other agents may be editing other files at the same time). Make the change, check it, and end with what you changed and anything left undone.',
    source: 'built-in',
  },
];

export interface RoleCatalog {
  roles: Map<string, AgentRole>;
  warnings: string[];
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The role's `mcp_servers`, or why a definition is malformed. */
function roleMcpServers(config: AgentRoleConfig): AgentRole['mcpServers'] | string {
  const value = config.mcp_servers;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return { kind: 'names', names: value };
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, definition] of Object.entries(value)) {
    const parsed = McpServerConfig.safeParse(definition);
    if (!parsed.success)
      return `mcp_servers.${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'server'}: ${i.message}`).join('; ')}`;
    servers[name] = parsed.data;
  }
  return { kind: 'definitions', servers };
}

function fromConfig(name: string, config: AgentRoleConfig, source: string): AgentRole | string {
  const mcpServers = roleMcpServers(config);
  if (typeof mcpServers === 'string') return mcpServers;
  return {
    name: config.name ?? name,
    description: config.description ?? '',
    ...(config.developer_instructions ? { developerInstructions: config.developer_instructions } : {}),
    ...(config.model ? { model: config.model } : {}),
    ...(config.model_reasoning_effort ? { reasoningEffort: config.model_reasoning_effort } : {}),
    ...(config.sandbox_mode ? { sandboxMode: config.sandbox_mode } : {}),
    ...(mcpServers ? { mcpServers } : {}),
    source,
  };
}

function readRoleFiles(dir: string, warnings: string[]): AgentRole[] {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.toml'))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    warnings.push(`cannot read the agent roles in ${dir}: ${(err as Error).message}`);
    return [];
  }
  const roles: AgentRole[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const parsed = AgentRoleConfig.safeParse(parse(fs.readFileSync(file, 'utf8')));
      if (!parsed.success) {
        warnings.push(
          `agent role ${file} skipped: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`,
        );
        continue;
      }
      const role = fromConfig(name.slice(0, -'.toml'.length), parsed.data, file);
      if (typeof role === 'string') {
        warnings.push(`agent role ${file} skipped: ${role}`);
        continue;
      }
      if (!NAME.test(role.name)) {
        warnings.push(`agent role ${file} skipped: name "${role.name}" must be letters, digits, _ or -`);
        continue;
      }
      roles.push(role);
    } catch (err) {
      if (!(err instanceof TomlError) && (err as NodeJS.ErrnoException).code === undefined) throw err;
      warnings.push(`agent role ${file} skipped: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return roles;
}

/** Every role known in `projectRoot` (the git root or cwd) for this Spool home and configuration. */
export function loadRoles(options: {
  config: AgentsConfig | undefined;
  spoolHome: string;
  projectRoot: string;
}): RoleCatalog {
  const warnings: string[] = [];
  const roles = new Map<string, AgentRole>();
  for (const role of BUILTIN_ROLES) roles.set(role.name, role);
  for (const [key, value] of Object.entries(options.config ?? {})) {
    if (value === null || typeof value !== 'object') continue; // max_threads, max_depth, …
    const role = fromConfig(key, value as AgentRoleConfig, 'config.toml');
    if (typeof role === 'string') {
      warnings.push(`agent role [agents.${key}] in config.toml skipped: ${role}`);
      continue;
    }
    roles.set(role.name, role);
  }
  for (const role of readRoleFiles(path.join(options.spoolHome, 'agents'), warnings))
    roles.set(role.name, role);
  for (const role of readRoleFiles(path.join(options.projectRoot, '.spool', 'agents'), warnings)) {
    // A repository's file may narrow the MCP servers, never start programs of its own choosing.
    if (role.mcpServers?.kind === 'definitions') {
      warnings.push(
        `agent role ${role.source}: MCP server definitions are ignored in a repository's .spool/agents/ (define them in config.toml or $SPOOL_HOME/agents/)`,
      );
      delete role.mcpServers;
    }
    roles.set(role.name, role);
  }
  return { roles, warnings };
}

/** The error the model gets for an unknown role: the known ones, with what each is for. */
export function unknownRoleMessage(name: string, catalog: RoleCatalog): string {
  const known = [...catalog.roles.values()]
    .map((role) => `${role.name}${role.description ? ` (${role.description})` : ''}`)
    .join('; ');
  return `Unknown agent_type "${name}". Known roles: ${known}.`;
}
