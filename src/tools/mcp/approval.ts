/**
 * When a call of an MCP tool is asked about (Codex's rules). MCP servers run outside the sandbox, so
 * the sandbox cannot contain what their tools do: the approval policy and the tool's annotations
 * decide.
 *
 * Per tool, the mode (`tools.<tool>.approval_mode`, else the server's `default_tools_approval_mode`,
 * else `auto`) says whether the call needs approval:
 * - `auto`: yes, unless the tool says `readOnlyHint: true` without `destructiveHint: true`; a tool
 *   that says `destructiveHint: false` and `openWorldHint: false` needs none either;
 * - `prompt`: always; `writes`: unless `readOnlyHint: true`; `approve`: never.
 *
 * A call that needs approval is asked under `untrusted`, `on-request` and `on-failure`. Under
 * `never` nobody is asked: it is refused (the model is told why) — except with no sandbox at all
 * (`danger-full-access`, or `--dangerously-bypass-approvals-and-sandbox`), where nothing is
 * contained anyway and it runs. Pure: tested without servers.
 */
import type { McpToolApprovalMode } from '../../config/schema.js';
import type { ApprovalPolicy, SandboxMode } from '../../protocol/policy.js';
import type { McpToolInfo } from './connection.js';

/** Whether a call of `tool` needs approval in `mode`. */
export function mcpToolNeedsApproval(
  tool: Pick<McpToolInfo, 'readOnly' | 'destructive' | 'openWorld'>,
  mode: McpToolApprovalMode,
): boolean {
  switch (mode) {
    case 'approve':
      return false;
    case 'prompt':
      return true;
    case 'writes':
      return !tool.readOnly;
    case 'auto':
      if (tool.destructive === true) return true;
      if (tool.readOnly) return false;
      return (tool.destructive ?? true) || (tool.openWorld ?? true);
  }
}

/** Codex's words for a call refused under `never`. */
const NEVER_POLICY_REFUSAL = 'MCP tool call requires approval, but approval policy is never';

type McpCallGate = { action: 'run' } | { action: 'ask' } | { action: 'refuse'; reason: string };

export function gateMcpCall(
  needsApproval: boolean,
  context: { approvalPolicy: ApprovalPolicy; sandboxMode: SandboxMode; bypassSandbox: boolean },
  names: { server: string; tool: string },
): McpCallGate {
  if (!needsApproval || context.bypassSandbox) return { action: 'run' };
  if (context.approvalPolicy !== 'never') return { action: 'ask' };
  if (context.sandboxMode === 'danger-full-access') return { action: 'run' };
  return {
    action: 'refuse',
    reason: `${NEVER_POLICY_REFUSAL}, so "${names.tool}" of MCP server "${names.server}" was not called. The user can allow it with \`default_tools_approval_mode = "approve"\` (or \`[mcp_servers.${names.server}.tools.${names.tool}] approval_mode = "approve"\`) in config.toml, or run with an approval policy that asks.`,
  };
}

/** Session approvals of one tool may be remembered only where the mode does not always ask. */
export function sessionApprovalAllowed(mode: McpToolApprovalMode): boolean {
  return mode === 'auto';
}

/** The key "approve for this session" stores (one server's one tool). */
export function sessionKey(server: string, tool: string): string {
  return `mcp\u0000${server}\u0000${tool}`;
}
