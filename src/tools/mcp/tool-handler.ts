/**
 * An MCP tool as a Spool tool: its spec (sanitised schema), argument parsing, and the call, shown
 * as an `mcp_tool_call` item while it runs.
 *
 * Arguments are only checked to be a JSON object: the server validates them against its own
 * schema, which is more precise than the sanitised one the model saw.
 */
import type { ThreadItemOf } from '../../protocol/events.js';
import type { ParseResult, ToolContext, ToolHandler, ToolResult, ToolSpec } from '../types.js';
import { McpCallError } from './connection.js';
import type { McpToolEntry } from './manager.js';
import { mapToolResult, type ToolCallResultLike } from './result.js';
import { sanitizeInputSchema } from './schema.js';

type McpArgs = Record<string, unknown>;

/** What a tool handler needs from the manager. */
export interface McpCaller {
  callTool(server: string, tool: string, args: McpArgs, signal: AbortSignal): Promise<ToolCallResultLike>;
}

export function mcpToolSpec(entry: McpToolEntry): ToolSpec {
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
