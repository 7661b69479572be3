/** TOML dotted keys: `a.b`, `model_providers."my.host".base_url`, `'literal'.key`. */

/**
 * The parts of a dotted key, or undefined when `text` is not one (an empty part, a stray
 * character). Basic ("…") parts are unescaped; literal ('…') parts are taken as written.
 */
import { expectSyntaxError } from '../protocol/errors.js';
export function splitDottedKey(text: string): string[] | undefined {
  const parts: string[] = [];
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match || pattern.lastIndex === index) return undefined;
    let part = match[2] ?? match[3] ?? '';
    if (match[1] !== undefined) {
      try {
        part = JSON.parse(`"${match[1]}"`) as string;
      } catch (err) {
        expectSyntaxError(err);
        part = match[1];
      }
    }
    parts.push(part);
    index = pattern.lastIndex;
    if (match[4] === '') break;
  }
  return parts.length > 0 ? parts : undefined;
}
