/**
 * Adding and removing `[mcp_servers.<name>]` in config.toml as text edits, so everything else in
 * the file — comments, blank lines, key order, formatting — stays exactly as the user wrote it.
 * (smol-toml could parse and re-stringify the file, but that drops every comment.)
 *
 * - add: the new server is appended at the end of the file as `[mcp_servers.<name>]` (plus
 *   `.env` / `.http_headers` sub-tables), rendered by smol-toml so values are escaped correctly.
 * - remove: the server's table and its sub-tables are cut out, with the comment lines directly
 *   above its header; comments and blank lines at the end of its block (which introduce whatever
 *   follows) are kept.
 *
 * Every edit is checked by parsing the result: it must be valid TOML and equal to the original
 * with exactly that one server added or removed. A server written some other way (an inline table,
 * dotted keys) cannot be edited like this, and the edit is refused with a message saying so.
 */
import { parse, stringify } from 'smol-toml';
import { splitDottedKey } from '../../config/dotted-key.js';
import type { McpServerConfig } from '../../config/schema.js';

export class ConfigEditError extends Error {}

/** Key order in the written table: how people read a server entry. */
const KEY_ORDER: Array<keyof McpServerConfig> = [
  'command',
  'args',
  'cwd',
  'url',
  'bearer_token_env_var',
  'enabled',
  'enabled_tools',
  'disabled_tools',
  'startup_timeout_sec',
  'tool_timeout_sec',
  'env',
  'http_headers',
];

/** Same content, whatever the key order or prototypes (smol-toml makes null-prototype objects). */
function sameContent(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, canonical(record[key])]),
    );
  };
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function parseToml(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigEditError(`${what} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function serversOf(doc: Record<string, unknown>): Record<string, unknown> {
  const servers = doc.mcp_servers;
  return servers !== null && typeof servers === 'object' && !Array.isArray(servers)
    ? (servers as Record<string, unknown>)
    : {};
}

/** The document with `mcp_servers` normalised (an empty table and no table are the same). */
function normalised(doc: Record<string, unknown>): Record<string, unknown> {
  const { mcp_servers: _servers, ...rest } = doc;
  const servers = serversOf(doc);
  return Object.keys(servers).length > 0 ? { ...rest, mcp_servers: servers } : rest;
}

/** The TOML text of one server entry. */
function renderServer(name: string, server: McpServerConfig): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (server[key] !== undefined) ordered[key] = server[key];
  return stringify({ mcp_servers: { [name]: ordered } }).trimEnd();
}

export function addMcpServer(text: string, name: string, server: McpServerConfig): string {
  const before = parseToml(text, 'config.toml');
  if (Object.hasOwn(serversOf(before), name)) {
    throw new ConfigEditError(`an MCP server named "${name}" already exists (remove it first)`);
  }
  const rendered = renderServer(name, server);
  const trimmed = text.replace(/\s+$/, '');
  const edited = `${trimmed === '' ? '' : `${trimmed}\n\n`}${rendered}\n`;
  const after = parseToml(edited, 'the edited config.toml');
  const entry = serversOf(parseToml(rendered, 'the new entry'))[name];
  const expected = normalised({ ...before, mcp_servers: { ...serversOf(before), [name]: entry } });
  if (!sameContent(normalised(after), expected)) {
    throw new ConfigEditError(
      'config.toml defines `mcp_servers` in a way a new table cannot be added to (an inline table?); add the server by hand',
    );
  }
  return edited;
}

const HEADER = /^\s*\[(\[)?\s*([^\][]+?)\s*\]\]?\s*(#.*)?$/;

/** The dotted parts of a table header's key (bare, "basic" and 'literal' keys). */
function headerParts(key: string): string[] {
  return splitDottedKey(key) ?? [];
}

function isBlankOrComment(line: string): boolean {
  return /^\s*(#.*)?$/.test(line);
}

export function removeMcpServer(text: string, name: string): string {
  const before = parseToml(text, 'config.toml');
  if (!Object.hasOwn(serversOf(before), name)) {
    throw new ConfigEditError(`no MCP server named "${name}" in config.toml`);
  }
  const lines = text.split('\n');
  const remove = new Set<number>();
  let inBlock = false;
  let blockLast = -1;
  const closeBlock = () => {
    // Trailing comments and blank lines of the block introduce what follows: keep them.
    let end = blockLast;
    while (end >= 0 && remove.has(end) && isBlankOrComment(lines[end]!)) {
      remove.delete(end);
      end--;
    }
    inBlock = false;
  };
  for (let i = 0; i < lines.length; i++) {
    const header = HEADER.exec(lines[i]!);
    if (header) {
      const parts = headerParts(header[2]!);
      const ours = parts[0] === 'mcp_servers' && parts[1] === name;
      if (inBlock && !ours) closeBlock();
      if (ours) {
        if (!inBlock) {
          // Comments directly above the header describe it.
          for (let j = i - 1; j >= 0 && /^\s*#/.test(lines[j]!); j--) remove.add(j);
        }
        inBlock = true;
      }
    }
    if (inBlock) {
      remove.add(i);
      blockLast = i;
    }
  }
  if (inBlock) closeBlock();
  const kept = lines.filter((_, i) => !remove.has(i));
  const edited = `${kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .replace(/\s+$/, '')}\n`;

  const after = parseToml(edited === '\n' ? '' : edited, 'the edited config.toml');
  const { [name]: _removed, ...others } = serversOf(before);
  if (!sameContent(normalised(after), normalised({ ...before, mcp_servers: others }))) {
    throw new ConfigEditError(
      `MCP server "${name}" is not written as a [mcp_servers.${name}] table (an inline table or dotted keys?); remove it by hand`,
    );
  }
  return edited === '\n' ? '' : edited;
}
