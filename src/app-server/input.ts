/** A turn's v2 `UserInput` list as the content parts of Spool's user message. */
import fs from 'node:fs';
import path from 'node:path';
import type { ContentPart } from '../protocol/items.js';
import { invalidParams } from './jsonrpc.js';
import type { UserInputItem } from './params.js';

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** The largest local image sent inline. */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

type Detail = 'auto' | 'low' | 'high';

function detailOf(detail: string | null | undefined): { detail?: Detail } {
  // `original` is Codex's own; the Responses API takes auto/low/high.
  if (detail === 'auto' || detail === 'low' || detail === 'high') return { detail };
  return {};
}

function localImage(file: string, cwd: string, detail: string | null | undefined): ContentPart {
  const absolute = path.resolve(cwd, file);
  const type = IMAGE_TYPES[path.extname(absolute).toLowerCase()];
  if (!type) throw invalidParams(`localImage ${absolute}: not a PNG, JPEG, GIF or WebP file`);
  let data: Buffer;
  try {
    const size = fs.statSync(absolute).size;
    if (size > MAX_IMAGE_BYTES)
      throw invalidParams(`localImage ${absolute}: ${size} bytes is more than ${MAX_IMAGE_BYTES}`);
    data = fs.readFileSync(absolute);
  } catch (err) {
    if (err instanceof Error && err.name === 'RpcError') throw err;
    throw invalidParams(`localImage ${absolute}: ${(err as Error).message}`);
  }
  return {
    type: 'input_image',
    image_url: `data:${type};base64,${data.toString('base64')}`,
    ...detailOf(detail),
  };
}

export function contentFromInput(input: readonly UserInputItem[], cwd: string): ContentPart[] {
  if (input.length === 0) throw invalidParams('input: give at least one item');
  return input.map((item): ContentPart => {
    switch (item.type) {
      case 'text':
        return { type: 'input_text', text: item.text };
      case 'image':
        if (!item.url) throw invalidParams('input: images by fileId are not supported; give a url');
        return { type: 'input_image', image_url: item.url, ...detailOf(item.detail) };
      case 'localImage':
        return localImage(item.path, cwd, item.detail);
      default:
        throw invalidParams(
          `input: items of type ${item.type} are not supported by Spool (use text and images)`,
        );
    }
  });
}
