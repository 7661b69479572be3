/**
 * An MCP `tools/call` result → the call's output for the model, and the display item's result.
 *
 * - `text` blocks are text; consecutive text is joined with newlines.
 * - `image` blocks (and embedded image blobs) become image inputs (`input_image` with a data URL),
 *   so the output is a list of parts whenever an image is present, a plain string otherwise.
 * - embedded `resource` text is shown with its URI; other binary data and audio are described, not
 *   inlined; `resource_link`s are listed.
 * - `structuredContent` is added as JSON unless the text already carries it (a text block holding
 *   the same JSON, or every value of it appearing in the text — what servers that follow the
 *   spec's backwards-compatibility advice send), so the model never reads the same data twice.
 * - `isError` makes the call unsuccessful; the server's text is the model's explanation.
 * - Text beyond `maxTextBytes` loses its middle (Codex's truncation marker).
 */
import { isDeepStrictEqual } from 'node:util';
import { expectSyntaxError } from '../../protocol/errors.js';
import type { ContentPart } from '../../protocol/items.js';
import { truncateMiddle, wholeText } from '../shell/truncate.js';

/** About 10k tokens, Codex's default budget for one tool output. */
const DEFAULT_MAX_TEXT_BYTES = 40 * 1024;

export interface ToolCallResultLike {
  content?: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
  /** Servers on the 2024-10-07 protocol answer with `toolResult` instead of content. */
  toolResult?: unknown;
}

interface MappedToolResult {
  output: string | ContentPart[];
  success: boolean;
  /** For the `mcp_tool_call` item. */
  display: { content: unknown[]; structured_content: unknown | null };
}

type Block = Record<string, unknown>;
type Part = { kind: 'text'; text: string } | { kind: 'image'; url: string };

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

function dataUrl(mimeType: string, data: string): string {
  return `data:${mimeType};base64,${data}`;
}

function resourcePart(resource: Block): Part {
  const uri = str(resource.uri) ?? '(no uri)';
  const mime = str(resource.mimeType);
  const label = mime ? `${uri} (${mime})` : uri;
  const text = str(resource.text);
  if (text !== undefined) return { kind: 'text', text: `[resource ${label}]\n${text}` };
  const blob = str(resource.blob);
  if (blob !== undefined && mime?.startsWith('image/')) return { kind: 'image', url: dataUrl(mime, blob) };
  const size = blob === undefined ? 'no data' : `${base64Bytes(blob)} bytes of binary data`;
  return { kind: 'text', text: `[resource ${label}: ${size}, not shown]` };
}

function blockPart(block: unknown): Part {
  if (block === null || typeof block !== 'object') return { kind: 'text', text: JSON.stringify(block) };
  const b = block as Block;
  switch (b.type) {
    case 'text':
      return { kind: 'text', text: str(b.text) ?? '' };
    case 'image': {
      const data = str(b.data);
      const mime = str(b.mimeType) ?? 'image/png';
      return data ? { kind: 'image', url: dataUrl(mime, data) } : { kind: 'text', text: '[empty image]' };
    }
    case 'audio': {
      const data = str(b.data) ?? '';
      return {
        kind: 'text',
        text: `[audio (${str(b.mimeType) ?? 'unknown type'}), ${base64Bytes(data)} bytes, not shown]`,
      };
    }
    case 'resource':
      return b.resource && typeof b.resource === 'object'
        ? resourcePart(b.resource as Block)
        : { kind: 'text', text: '[resource without contents]' };
    case 'resource_link': {
      const name = str(b.name) ?? str(b.title);
      const mime = str(b.mimeType);
      const description = str(b.description);
      return {
        kind: 'text',
        text: `[resource link${name ? ` ${name}` : ''}: ${str(b.uri) ?? '(no uri)'}${mime ? ` (${mime})` : ''}${description ? ` — ${description}` : ''}]`,
      };
    }
    default:
      return { kind: 'text', text: JSON.stringify(block) };
  }
}

function leaves(value: unknown, out: string[], budget: { left: number }): void {
  if (budget.left-- <= 0) return;
  if (value === null || value === undefined) return;
  if (typeof value === 'object') {
    for (const child of Array.isArray(value) ? value : Object.values(value)) leaves(child, out, budget);
    return;
  }
  out.push(String(value));
}

/** True when the text blocks already show `structured` (as JSON, or value by value). */
function textCarries(texts: string[], structured: unknown): boolean {
  for (const text of texts) {
    try {
      if (isDeepStrictEqual(JSON.parse(text), structured)) return true;
    } catch (err) {
      expectSyntaxError(err);
      // not JSON
    }
  }
  const values: string[] = [];
  const budget = { left: 10_000 };
  leaves(structured, values, budget);
  if (budget.left <= 0 || values.length === 0) return false;
  const joined = texts.join('\n');
  return values.every((value) => joined.includes(value));
}

function mergeTexts(parts: Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (part.kind === 'text' && last?.kind === 'text') last.text = `${last.text}\n${part.text}`;
    else merged.push({ ...part });
  }
  return merged;
}

function limit(text: string, maxBytes: number): string {
  return truncateMiddle(wholeText(text), maxBytes).text;
}

export function mapToolResult(
  result: ToolCallResultLike,
  maxTextBytes = DEFAULT_MAX_TEXT_BYTES,
): MappedToolResult {
  const content = Array.isArray(result.content) ? result.content : [];
  const structured = result.structuredContent ?? null;
  const parts = content.map(blockPart);
  if (structured !== null) {
    const texts = content
      .filter((b): b is Block => typeof b === 'object' && b !== null && (b as Block).type === 'text')
      .map((b) => str(b.text) ?? '');
    if (!textCarries(texts, structured)) parts.push({ kind: 'text', text: JSON.stringify(structured) });
  }
  if (content.length === 0 && structured === null && result.toolResult !== undefined) {
    parts.push({ kind: 'text', text: JSON.stringify(result.toolResult) });
  }
  const success = result.isError !== true;
  if (parts.length === 0 && !success) parts.push({ kind: 'text', text: 'The tool reported an error.' });

  const merged = mergeTexts(parts);
  const display = { content, structured_content: structured };
  if (merged.every((p) => p.kind === 'text')) {
    return { output: limit(merged.map((p) => p.text).join('\n'), maxTextBytes), success, display };
  }
  const output: ContentPart[] = merged.map((part) =>
    part.kind === 'text'
      ? { type: 'input_text', text: limit(part.text, maxTextBytes) }
      : { type: 'input_image', image_url: part.url },
  );
  return { output, success, display };
}
