/**
 * A local image file as an `input_image` content part (inline data URL): the one MIME table and size
 * limit for `exec --image` and the app-server's `localImage` input.
 */
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

export type ImageDetail = 'auto' | 'low' | 'high';

/** Why a local image cannot be sent; the message names no file (callers prefix their own). */
export class LocalImageError extends Error {
  override name = 'LocalImageError';
}

/** The extensions Spool sends as images. */
const IMAGE_EXTENSIONS = Object.keys(MIME_BY_EXTENSION);

/** The MIME type of an image file by its extension, or undefined for other files. */
export function imageMimeType(file: string): string | undefined {
  return MIME_BY_EXTENSION[path.extname(file).toLowerCase()];
}

/**
 * Reads `absolute` as an inline image. Throws `LocalImageError` for an unsupported type, a file
 * larger than `MAX_IMAGE_BYTES` or one that cannot be read.
 */
export function localImagePart(absolute: string, detail?: ImageDetail): ContentPart {
  const mime = imageMimeType(absolute);
  if (!mime) throw new LocalImageError(`unsupported image type (use ${IMAGE_EXTENSIONS.join(', ')})`);
  let data: Buffer;
  try {
    const size = fs.statSync(absolute).size;
    if (size > MAX_IMAGE_BYTES) throw new LocalImageError(`${size} bytes, larger than 20 MB`);
    data = fs.readFileSync(absolute);
  } catch (err) {
    if (err instanceof LocalImageError) throw err;
    throw new LocalImageError((err as Error).message);
  }
  return {
    type: 'input_image',
    image_url: `data:${mime};base64,${data.toString('base64')}`,
    ...(detail ? { detail } : {}),
  };
}
