/** `--image FILE`: an image attached to the prompt, sent inline as a data URL. */
import path from 'node:path';
import { LocalImageError, localImagePart } from '../context/local-image.js';
import type { ContentPart } from '../protocol/items.js';

export function imageInput(file: string, cwd: string): ContentPart {
  try {
    return localImagePart(path.resolve(cwd, file));
  } catch (err) {
    if (err instanceof LocalImageError) throw new Error(`--image ${file}: ${err.message}`);
    throw err;
  }
}
