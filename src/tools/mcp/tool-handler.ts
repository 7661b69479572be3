/**
 * An MCP tool as a Spool tool: its spec (sanitised schema), argument parsing, and the call, shown
 * as an `mcp_tool_call` item while it runs.
 *
 * Arguments are only checked to be a JSON object: the server validates them against its own
 * schema, which is more precise than the sanitised one the model saw.
 */
import type { ThreadItemOf } from '../../protocol/events.js';
import type { ToolSpec } from '../../protocol/tool-spec.js';
import { planModeWriteRefusal } from '../../sandbox/plan-mode.js';
import type { ParseResult, ToolContext, ToolHandler, ToolResult } from '../types.js';
import { gateMcpCall, mcpToolNeedsApproval, sessionApprovalAllowed, sessionKey } from './approval.js';
import { McpCallError } from './connection.js';
import type { McpToolEntry } from './manager.js';
import { mapToolResult, type ToolCallResultLike } from './result.js';
import { sanitizeInputSchema } from './schema.js';

type McpArgs = Record<string, unknown>;

/** What a tool handler needs from the manager. */
export interface McpCaller {
  callTool(server: string, tool: string, args: McpArgs, signal: AbortSignal): Promise<ToolCallResultLike>;
}

function mcpToolSpec(entry: McpToolEntry): ToolSpec {
  return {
    type: 'function',
    name: entry.name,
    description: entry.tool.description,
    strict: false,
    parameters: sanitizeInputSchema(entry.tool.inputSchema),
  };
}

function parseArguments(name: string, raw: string): ParseResult<McpArgs> {
  if (raw.trim() === '') return { ok: true, args: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      error: `Invalid arguments for ${name}: not valid JSON (${(err as Error).message}). Send a JSON object matching the tool's parameters.`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: `Invalid arguments for ${name}: expected a JSON object.` };
  }
  return { ok: true, args: value as McpArgs };
}

/**
 * Asks about the call when its mode and the approval policy say so (approval.ts). Resolves with
 * the reason the call is not made (for the model), or undefined when it may run.
 */
async function approveCall(
  entry: McpToolEntry,
  args: McpArgs,
  ctx: ToolContext,
  itemId: string,
): Promise<string | undefined> {
  const names = { server: entry.server, tool: entry.tool.name };
  const gate = gateMcpCall(
    mcpToolNeedsApproval(entry.tool, entry.approvalMode),
    { approvalPolicy: ctx.approvalPolicy, sandboxMode: ctx.sandbox.mode, bypassSandbox: ctx.bypassSandbox },
    names,
  );
  if (gate.action === 'run') return undefined;
  if (gate.action === 'refuse') return gate.reason;
  const remember = sessionApprovalAllowed(entry.approvalMode);
  const key = sessionKey(entry.server, entry.tool.name);
  if (remember && ctx.sessionApprovals.has(key)) return undefined;
  const shownArgs = JSON.stringify(args);
  const outcome = await ctx.requestApproval({
    kind: 'mcp_tool_call',
    display: `${entry.server}.${entry.tool.name}(${shownArgs.length > 2_000 ? `${shownArgs.slice(0, 2_000)}…` : shownArgs})`,
    cwd: ctx.cwd,
    reason: entry.tool.readOnly
      ? `MCP server "${entry.server}" runs outside the sandbox; its tool "${entry.tool.name}" is set to ask (approval mode ${entry.approvalMode}).`
      : `MCP server "${entry.server}" runs outside the sandbox, and its tool "${entry.tool.name}" does not say it only reads (${describeHints(entry.tool)}).`,
    policy: ctx.approvalPolicy,
    item_id: itemId,
    mcp_tool: { server: entry.server, tool: entry.tool.name, arguments: args },
    session_approval: remember,
  });
  switch (outcome.decision) {
    case 'approved':
      return undefined;
    case 'approved_for_session':
      if (remember) ctx.sessionApprovals.add(key);
      return undefined;
    case 'denied':
      return `The user declined the call of "${entry.tool.name}" (MCP server "${entry.server}")${outcome.reason ? `: ${outcome.reason}` : '.'}`;
    case 'abort':
      return `The call of "${entry.tool.name}" (MCP server "${entry.server}") was not made: ${outcome.reason ?? 'the user stopped the turn'}.`;
  }
}

function describeHints(tool: McpToolEntry['tool']): string {
  const hints = [
    tool.destructive !== undefined ? `destructiveHint: ${tool.destructive}` : undefined,
    tool.openWorld !== undefined ? `openWorldHint: ${tool.openWorld}` : undefined,
  ].filter((hint) => hint !== undefined);
  return hints.length > 0 ? hints.join(', ') : 'no annotations';
}

export function mcpToolHandler(entry: McpToolEntry, caller: McpCaller): ToolHandler<McpArgs> {
  const spec = mcpToolSpec(entry);
  return {
    name: entry.name,
    spec,
    // Only tools the server declares read-only run alongside others.
    parallel: entry.tool.readOnly,
    parse: (raw, shape) =>
      shape === 'function'
        ? parseArguments(entry.name, raw)
        : { ok: false, error: `${entry.name} is a function tool: call it with JSON arguments.` },
    run: async (args: McpArgs, ctx: ToolContext): Promise<ToolResult> => {
      const item: ThreadItemOf<'mcp_tool_call'> = {
        id: ctx.items.newItemId(),
        type: 'mcp_tool_call',
        server: entry.server,
        tool: entry.tool.name,
        arguments: args,
        result: null,
        error: null,
        status: 'in_progress',
      };
      // Plan mode: only tools their server declares read-only (and not destructive).
      const refused =
        ctx.collaborationMode === 'plan' && (!entry.tool.readOnly || entry.tool.destructive === true)
          ? planModeWriteRefusal(`${entry.name} (its server does not declare it read-only, so it may write)`)
          : await approveCall(entry, args, ctx, item.id);
      if (refused !== undefined) {
        ctx.items.completed({ ...item, error: { message: refused }, status: 'failed' });
        return { output: refused, success: false };
      }
      ctx.items.started(item);
      try {
        const result = await caller.callTool(entry.server, entry.tool.name, args, ctx.signal);
        const mapped = mapToolResult(result);
        ctx.items.completed({
          ...item,
          result: mapped.display,
          status: mapped.success ? 'completed' : 'failed',
        });
        return { output: mapped.output, success: mapped.success };
      } catch (err) {
        const message =
          err instanceof McpCallError
            ? err.message
            : `MCP tool call failed: ${(err as Error).message ?? String(err)}`;
        ctx.items.completed({ ...item, error: { message }, status: 'failed' });
        return { output: message, success: false };
      }
    },
  };
}
