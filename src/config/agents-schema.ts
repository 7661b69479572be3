/**
 * `[agents]` in config.toml (Codex's table): the tree's limits, and `[agents.<name>]` roles for
 * sub-agents (src/agents/). A role file in `$SPOOL_HOME/agents/` or `.spool/agents/` has the same
 * keys as a role table.
 */
import { z } from 'zod';
import { SandboxMode } from '../protocol/policy.js';

export const AgentRoleConfig = z
  .object({
    /** Defaults to the table's key (or the file's name). */
    name: z.string().optional(),
    description: z.string().optional(),
    developer_instructions: z.string().optional(),
    model: z.string().optional(),
    model_reasoning_effort: z.string().optional(),
    /** May narrow the parent's sandbox (read-only), never widen it: a wider mode is refused. */
    sandbox_mode: SandboxMode.optional(),
    /**
     * The role's MCP servers: a list of names narrows the root's `[mcp_servers]` to those (`[]`:
     * none); a table of server definitions (`[mcp_servers.<name>]`, as in config.toml) adds them to
     * the root's. Definitions are checked by src/agents/ (config/schema.ts imports this file).
     */
    mcp_servers: z
      .union([z.array(z.string()), z.record(z.string(), z.record(z.string(), z.unknown()))])
      .optional(),
  })
  .strict();
export type AgentRoleConfig = z.infer<typeof AgentRoleConfig>;

export const AgentsConfig = z
  .object({
    /** Agents running at once, the root included (default 4). */
    max_threads: z.number().int().positive().optional(),
    /** How deep the tree may grow: 1 = the root's children only (default 2). */
    max_depth: z.number().int().nonnegative().optional(),
    /** A parent whose turn has ended gets a new turn when a child's answer arrives (default true). */
    resume_parent: z.boolean().optional(),
  })
  .catchall(AgentRoleConfig);
export type AgentsConfig = z.infer<typeof AgentsConfig>;
