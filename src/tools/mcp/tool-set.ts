/**
 * A thread's tools with MCP: the built-in tools plus the MCP tools known when the thread's tool set
 * was last taken, and the `toolUpdates` hook (ThreadOptions) that takes a new one at a turn
 * boundary.
 *
 * Within a turn the registry never changes, so every request of the turn carries byte-identical
 * tools. At the next boundary, if the MCP tools differ from what the model was shown (a server
 * finished starting, a server's list changed, a restarted server lists other tools), the thread
 * gets the new registry and a sentence naming what was added, changed and removed. A list_changed
 * that changes nothing (same names, same specs) announces nothing and keeps the cached prefix.
 *
 * The state here (what this thread was last shown) is per thread: one manager can serve many.
 */
import { ToolRegistry } from '../registry.js';
import type { ToolHandler } from '../types.js';
import type { McpToolSnapshot } from './manager.js';
import { type McpCaller, mcpToolHandler } from './tool-handler.js';

/**
 * A registry of `base`'s advertised tools plus `extra`; calls to `base`'s hidden tools (other
 * shapes of the shell tool, …) still resolve through `base`.
 */
class ExtendedRegistry extends ToolRegistry {
  private readonly base: ToolRegistry;

  constructor(base: ToolRegistry, extra: ToolHandler[]) {
    super([...base.names().map((name) => base.get(name)!), ...extra], [], {
      maxArgumentBytes: base.maxArgumentBytes,
    });
    this.base = base;
  }

  override get(name: string): ToolHandler | undefined {
    return super.get(name) ?? this.base.get(name);
  }
}

export interface McpToolSource extends McpCaller {
  snapshot(): McpToolSnapshot;
}

export interface ToolUpdate {
  registry: ToolRegistry;
  announcement: string;
}

interface ThreadToolSet {
  /** The registry to start the thread with. */
  registry: ToolRegistry;
  /** For `ThreadOptions.toolUpdates`: called at every turn boundary. */
  toolUpdates(): ToolUpdate | undefined;
}

function listNames(names: string[]): string {
  return names.join(', ');
}

/** The sentence the model reads at the boundary; names are sorted, so it is deterministic. */
function describeToolChanges(added: string[], changed: string[], removed: string[]): string {
  const lines = ['The MCP tools available to you have changed; the tool list you now see is current.'];
  if (added.length > 0) lines.push(`New tools: ${listNames(added)}.`);
  if (changed.length > 0) lines.push(`Changed tools (new description or parameters): ${listNames(changed)}.`);
  if (removed.length > 0) lines.push(`Tools no longer available: ${listNames(removed)}.`);
  return lines.join('\n');
}

/**
 * The thread's tool set: `builtins` (e.g. `createDefaultTools(settings).registry`) plus the MCP
 * tools of `mcp` as of now, and the hook that updates them at turn boundaries.
 */
export function composeMcpTools(builtins: ToolRegistry, mcp: McpToolSource): ThreadToolSet {
  const build = (snapshot: McpToolSnapshot) => {
    const handlers = snapshot.tools.map((entry) => mcpToolHandler(entry, mcp));
    const specs = new Map(handlers.map((h) => [h.name, JSON.stringify(h.spec)]));
    return { registry: new ExtendedRegistry(builtins, handlers), specs };
  };

  const first = mcp.snapshot();
  let shownVersion = first.version;
  let shown = build(first);

  return {
    registry: shown.registry,
    toolUpdates: () => {
      const snapshot = mcp.snapshot();
      if (snapshot.version === shownVersion) return undefined;
      shownVersion = snapshot.version;
      const next = build(snapshot);
      const added: string[] = [];
      const changed: string[] = [];
      for (const [name, spec] of next.specs) {
        const before = shown.specs.get(name);
        if (before === undefined) added.push(name);
        else if (before !== spec) changed.push(name);
      }
      const removed = [...shown.specs.keys()].filter((name) => !next.specs.has(name));
      if (added.length + changed.length + removed.length === 0) return undefined;
      shown = next;
      return {
        registry: next.registry,
        announcement: describeToolChanges(added.sort(), changed.sort(), removed.sort()),
      };
    },
  };
}
