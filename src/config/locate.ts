/**
 * Where each key of a TOML document is written (line and column), so configuration errors can
 * point at the line. smol-toml parses values but keeps no positions; this scans the text for table
 * headers and `key =` lines — enough for every way people write config.toml (tables, dotted keys,
 * arrays of tables). Keys inside inline tables fall back to the position of their parent key.
 */

import { splitDottedKey } from './dotted-key.js';

export interface Position {
  line: number;
  column: number;
}

/** Maps `a.b.c` (joined with NUL) to where that key is written. */
export function locateKeys(source: string): Map<string, Position> {
  const positions = new Map<string, Position>();
  let table: string[] = [];
  const arrayCounts = new Map<string, number>();
  source.split(/\r?\n/).forEach((raw, lineIndex) => {
    const line = raw.replace(/^\uFEFF/, '');
    const trimmed = line.trimStart();
    const column = line.length - trimmed.length + 1;
    const header =
      /^\[\[\s*(.+?)\s*\]\]\s*(#.*)?$/.exec(trimmed) ?? /^\[\s*([^[\]]+?)\s*\]\s*(#.*)?$/.exec(trimmed);
    if (header) {
      table = splitDottedKey(header[1]!) ?? [];
      if (trimmed.startsWith('[[')) {
        const key = table.join('\0');
        const n = arrayCounts.get(key) ?? 0;
        arrayCounts.set(key, n + 1);
        table = [...table, String(n)];
      }
      positions.set(table.join('\0'), { line: lineIndex + 1, column });
      return;
    }
    const assignment = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=/.exec(trimmed);
    if (assignment) {
      const path = [...table, ...(splitDottedKey(assignment[1]!) ?? [])];
      for (let i = table.length + 1; i <= path.length; i++) {
        const key = path.slice(0, i).join('\0');
        if (!positions.has(key)) positions.set(key, { line: lineIndex + 1, column });
      }
    }
  });
  return positions;
}

/** The position of `path`, or of its nearest written ancestor. */
export function positionOf(
  positions: Map<string, Position>,
  path: ReadonlyArray<PropertyKey>,
): Position | undefined {
  for (let i = path.length; i > 0; i--) {
    const found = positions.get(path.slice(0, i).map(String).join('\0'));
    if (found) return found;
  }
  return undefined;
}
