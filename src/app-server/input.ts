/** A turn's v2 `UserInput` list as the content parts of Spool's user message. */
import path from 'node:path';
import { type ImageDetail, LocalImageError, localImagePart } from '../context/local-image.js';
import type { ContentPart } from '../protocol/items.js';
import { invalidParams } from './jsonrpc.js';
import type { UserInputItem } from './params.js';

function detailOf(detail: string | null | undefined): { detail?: ImageDetail } {
  // `original` is Codex's own; the Responses API takes auto/low/high.
  if (detail === 'auto' || detail === 'low' || detail === 'high') return { detail };
  return {};
}

function localImage(file: string, cwd: string, detail: string | null | undefined): ContentPart {
  const absolute = path.resolve(cwd, file);
  try {
    return localImagePart(absolute, detailOf(detail).detail);
  } catch (err) {
    if (err instanceof LocalImageError) throw invalidParams(`localImage ${absolute}: ${err.message}`);
    throw err;
  }
}

/** The skills the input names (`skill` items: Codex's explicit skill selection), by SKILL.md path. */
export function skillsFromInput(input: readonly UserInputItem[]): string[] {
  return input.flatMap((item) => (item.type === 'skill' ? [item.path] : []));
}

export function contentFromInput(input: readonly UserInputItem[], cwd: string): ContentPart[] {
  // `skill` items are not part of the message: the skill's file follows it (skillsFromInput).
  const parts = input.filter((item) => item.type !== 'skill');
  if (parts.length === 0) throw invalidParams('input: give at least one text or image item');
  return parts.map((item): ContentPart => {
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
