/**
 * The names MCP tools get on the wire: `mcp__<server>__<tool>`.
 *
 * Providers accept tool names matching `^[a-zA-Z0-9_-]{1,64}$`, while MCP servers and tools may be
 * named anything. Names are made valid deterministically (same server and tool, same name, on every
 * start), so a restarted server or a new process keeps the tool list byte-identical.
 */
import { createHash } from 'node:crypto';

const MCP_TOOL_PREFIX = 'mcp';
const MCP_NAME_DELIMITER = '__';
const MAX_TOOL_NAME_LENGTH = 64;
/** Hex digits of the hash that keeps a shortened (or colliding) name unique. */
const HASH_LENGTH = 8;

/** Replaces every character outside `[a-zA-Z0-9_-]` with `_`. */
export function sanitizeNamePart(name: string): string {
  const sanitized = name.replace(/[^a-zA-Z0-9_-]/g, '_');
  return sanitized === '' ? '_' : sanitized;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/** The raw (unsanitised) qualified name: what the hash is taken over, so it is stable. */
function rawQualifiedName(server: string, tool: string): string {
  return `${MCP_TOOL_PREFIX}${MCP_NAME_DELIMITER}${server}${MCP_NAME_DELIMITER}${tool}`;
}

function withHash(pretty: string, raw: string): string {
  const suffix = `_${shortHash(raw)}`;
  return `${pretty.slice(0, MAX_TOOL_NAME_LENGTH - suffix.length)}${suffix}`;
}

/**
 * `mcp__<server>__<tool>`, sanitised; cut to 64 characters with a short hash of the raw name when
 * longer.
 */
export function qualifiedToolName(server: string, tool: string): string {
  const raw = rawQualifiedName(server, tool);
  const pretty = sanitizeNamePart(raw);
  return pretty.length > MAX_TOOL_NAME_LENGTH ? withHash(pretty, raw) : pretty;
}

interface McpToolRef {
  server: string;
  tool: string;
}

/**
 * Qualified names for a set of tools, unique even when two raw names sanitise alike (`a.b` and
 * `a_b`): tools are taken in raw-name order, the first keeps the plain name, later ones get a hash
 * suffix. The result does not depend on the order servers listed their tools in. Keys are
 * `refKey(ref)`.
 */
export function qualifyToolNames(refs: readonly McpToolRef[]): Map<string, string> {
  const sorted = [...refs].sort((a, b) =>
    compareRaw(rawQualifiedName(a.server, a.tool), rawQualifiedName(b.server, b.tool)),
  );
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const ref of sorted) {
    const key = refKey(ref);
    if (names.has(key)) continue;
    let name = qualifiedToolName(ref.server, ref.tool);
    if (used.has(name)) name = withHash(name, rawQualifiedName(ref.server, ref.tool));
    used.add(name);
    names.set(key, name);
  }
  return names;
}

/** A map key for a (server, tool) pair (NUL cannot occur in either TOML keys or tool names we keep). */
export function refKey(ref: McpToolRef): string {
  return `${ref.server}\u0000${ref.tool}`;
}

function compareRaw(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Server names `spool mcp add` accepts (they become TOML keys and name prefixes as they are). */
export function isValidServerName(name: string): boolean {
  return /^[a-zA-Z0-9_-]{1,64}$/.test(name);
}
