/**
 * The set of tools offered to the model.
 *
 * The list is sorted by name once, at construction, and the same array is sent with every request:
 * a tool list that changes order between requests silently defeats the provider's prefix cache.
 */

import { DEFAULT_TOOL_LIMITS } from '../config/tool-limits.js';
import type { ToolCallItem } from '../protocol/items.js';
import type { ToolSpec } from '../protocol/tool-spec.js';
import { oversizedCallError } from './limits.js';
import type { ToolHandler } from './types.js';

type ResolvedCall =
  | { ok: true; handler: ToolHandler; args: unknown }
  | { ok: false; handler?: ToolHandler; error: string };

export class ToolRegistry {
  private readonly handlers: ReadonlyMap<string, ToolHandler>;
  /** Handlers that answer calls but are not advertised (e.g. the other shape of a tool). */
  private readonly hidden: ReadonlyMap<string, ToolHandler>;
  readonly specs: readonly ToolSpec[];
  /** A call whose raw input is larger is refused before it is parsed (`tool_arguments_max_bytes`). */
  readonly maxArgumentBytes: number;
  /** Each distinct ToolHandler.prepare of the handlers, advertised or hidden. */
  private readonly prepares: ReadonlySet<() => void>;

  constructor(
    advertised: ToolHandler[],
    hidden: ToolHandler[] = [],
    options: { maxArgumentBytes?: number } = {},
  ) {
    this.maxArgumentBytes = options.maxArgumentBytes ?? DEFAULT_TOOL_LIMITS.argumentsMaxBytes;
    const sorted = [...advertised].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const byName = new Map<string, ToolHandler>();
    for (const handler of sorted) {
      if (byName.has(handler.name)) throw new Error(`duplicate tool name: ${handler.name}`);
      if (handler.spec.name !== handler.name)
        throw new Error(`tool ${handler.name} has spec named ${handler.spec.name}`);
      byName.set(handler.name, handler);
    }
    this.handlers = byName;
    this.hidden = new Map(hidden.filter((h) => !byName.has(h.name)).map((h) => [h.name, h]));
    this.specs = Object.freeze(sorted.map((h) => h.spec));
    this.prepares = new Set(
      [...this.handlers.values(), ...this.hidden.values()].flatMap((h) => (h.prepare ? [h.prepare] : [])),
    );
  }

  get(name: string): ToolHandler | undefined {
    return this.handlers.get(name) ?? this.hidden.get(name);
  }

  /**
   * Lets every tool start loading what its calls need (ToolHandler.prepare); each distinct prepare
   * function runs once per call of this, and preparing is idempotent.
   */
  prepare(): void {
    for (const prepare of this.prepares) prepare();
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /** Finds the handler for a call and validates its input; failures are messages for the model. */
  resolve(call: ToolCallItem): ResolvedCall {
    const handler = this.get(call.name);
    if (!handler) {
      const available = this.names().join(', ') || '(none)';
      return { ok: false, error: `Unknown tool "${call.name}". Available tools: ${available}.` };
    }
    const raw = call.type === 'function_call' ? call.arguments : call.input;
    const oversized = oversizedCallError(call.name, raw, this.maxArgumentBytes);
    if (oversized) return { ok: false, handler, error: oversized };
    const parsed = handler.parse(raw, call.type === 'function_call' ? 'function' : 'custom');
    return parsed.ok ? { ok: true, handler, args: parsed.args } : { ok: false, handler, error: parsed.error };
  }
}
