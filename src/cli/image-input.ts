/** `--image FILE`: an image attached to the prompt, sent inline as a data URL. */
import fs from 'node:fs';
import path from 'node:path';
import type { ContentPart } from '../protocol/items.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** Providers refuse larger inline images; say so before sending. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export function imageInput(file: string, cwd: string): ContentPart {
  const absolute = path.resolve(cwd, file);
  const mime = MIME_BY_EXTENSION[path.extname(absolute).toLowerCase()];
  if (!mime) {
    throw new Error(
      `--image ${file}: unsupported image type (use ${Object.keys(MIME_BY_EXTENSION).join(', ')})`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(absolute);
  } catch (err) {
    throw new Error(`--image ${file}: ${(err as Error).message}`);
  }
  if (bytes.length > MAX_IMAGE_BYTES) throw new Error(`--image ${file}: larger than 20 MB`);
  return { type: 'input_image', image_url: `data:${mime};base64,${bytes.toString('base64')}` };
}
