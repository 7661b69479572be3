/**
 * The exact key sets of `codex exec --json` lines, learned from the reference captures in
 * ../shared/conformance/codex-exec-json/, plus the item types those captures do not show (from
 * Codex's exec_events.rs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './spool-bin.js';

const CAPTURES = path.resolve(ROOT, '../shared/conformance/codex-exec-json');

function shapeKey(line: Record<string, unknown>): string {
  const item = line.item as Record<string, unknown> | undefined;
  return item ? `${line.type}/${item.type}` : String(line.type);
}

/**
 * Spool's additions to Codex's lines, which the SDK ignores: `cost` on turn.completed and
 * turn.failed (see docs/observability.md). Shapes are compared without them.
 */
const SPOOL_EXTENSIONS = new Set(['cost']);

function keysOf(line: Record<string, unknown>): string {
  line = Object.fromEntries(Object.entries(line).filter(([key]) => !SPOOL_EXTENSIONS.has(key)));
  const item = line.item as Record<string, unknown> | undefined;
  const nested =
    item ??
    (line.usage as Record<string, unknown> | undefined) ??
    (line.error as Record<string, unknown> | undefined);
  return `${Object.keys(line).join(',')}|${nested ? Object.keys(nested).join(',') : ''}`;
}

export function referenceShapes(): Map<string, string> {
  const shapes = new Map<string, string>();
  for (const file of fs.readdirSync(CAPTURES).filter((f) => f.endsWith('.jsonl'))) {
    for (const raw of fs.readFileSync(path.join(CAPTURES, file), 'utf8').split('\n')) {
      if (!raw.trim()) continue;
      const line = JSON.parse(raw) as Record<string, unknown>;
      shapes.set(shapeKey(line), keysOf(line));
    }
  }
  // Item types the captures do not include, with the fields of Codex's exec_events.rs.
  for (const phase of ['item.started', 'item.updated', 'item.completed']) {
    shapes.set(`${phase}/mcp_tool_call`, 'type,item|id,type,server,tool,arguments,result,error,status');
    shapes.set(`${phase}/todo_list`, 'type,item|id,type,items');
  }
  shapes.set('item.completed/error', 'type,item|id,type,message');
  // Spool's extension: compaction is visible in the stream (Codex's exec stream does not show it).
  for (const phase of ['item.started', 'item.completed']) {
    shapes.set(
      `${phase}/context_compaction`,
      'type,item|id,type,trigger,mode,status,tokens_before,tokens_after',
    );
  }
  return shapes;
}

/** Problems with `lines` compared with the reference shapes (empty when all match). */
export function shapeProblems(lines: Array<Record<string, unknown>>): string[] {
  const shapes = referenceShapes();
  const problems: string[] = [];
  lines.forEach((line, index) => {
    const key = shapeKey(line);
    const expected = shapes.get(key) ?? shapes.get(key.replace(/^item\.(started|updated)/, 'item.completed'));
    if (!expected) problems.push(`line ${index}: no reference shape for ${key}`);
    else if (expected !== keysOf(line))
      problems.push(`line ${index}: ${key} has ${keysOf(line)}, expected ${expected}`);
  });
  return problems;
}
