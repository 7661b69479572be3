/**
 * A request body as the bytes `JSON.stringify(body)` would give, built without serialising the
 * history again for every request.
 *
 * Each request carries the whole history, and the history only grows: a 1,000-step session sent
 * ~300 MB of JSON, every byte of it made by `JSON.stringify` (a V8 string as large as the body, then
 * copied into a UTF-8 buffer by fetch). Here each history item is serialised once, to a UTF-8
 * buffer kept with the item (weakly: an item dropped by compaction takes its bytes with it), and a
 * request is the concatenation of the buffers: one buffer per request outside the JS heap, and no
 * request-sized string. Items are never changed once in history, so a kept serialisation stays
 * true.
 *
 * One encoder per client (the cache is the client's, not the module's).
 */

/** Stands in for `input` while the rest of the body is serialised; never a real value. */
const INPUT_MARK = '\u0000spool-input\u0000';
/** How the mark reads after the `input` key (a string value cannot contain the unescaped key). */
const MARK_JSON = `"input":${JSON.stringify(INPUT_MARK)}`;
const COMMA = Buffer.from(',');
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

export class BodyEncoder {
  private readonly items = new WeakMap<object, Buffer>();

  /** The UTF-8 bytes of `JSON.stringify(body)`; `body.input` is an array of history items. */
  encode(body: Record<string, unknown>): Buffer {
    const input = body.input;
    if (!Array.isArray(input)) return Buffer.from(JSON.stringify(body));
    const rest = JSON.stringify({ ...body, input: INPUT_MARK });
    const at = rest.indexOf(MARK_JSON);
    const parts: Buffer[] = [Buffer.from(rest.slice(0, at + '"input":'.length)), OPEN];
    input.forEach((item, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(this.item(item));
    });
    parts.push(CLOSE, Buffer.from(rest.slice(at + MARK_JSON.length)));
    return Buffer.concat(parts);
  }

  private item(item: unknown): Buffer {
    if (item === null || typeof item !== 'object') return Buffer.from(JSON.stringify(item) ?? 'null');
    let bytes = this.items.get(item);
    if (!bytes) {
      bytes = Buffer.from(JSON.stringify(item));
      this.items.set(item, bytes);
    }
    return bytes;
  }
}
