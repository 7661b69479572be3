/**
 * A request body as the bytes `JSON.stringify(body)` would give, built without serialising the
 * history again for every request.
 *
 * Each request carries the whole history, and the history only grows: a 1,000-step session sent
 * ~300 MB of JSON, every byte of it made by `JSON.stringify` (a V8 string as large as the body, then
 * copied into a UTF-8 buffer by fetch). Here each history item is serialised once, when it first
 * goes out, into segments of the history's bytes that every later request sends again as they are:
 * no request-sized string or buffer is made, and an item's own bytes live only until its segment is
 * sealed (small buffers share 8 KB slabs, so keeping them for good kept whole slabs alive). Items
 * are never changed once in history, so kept bytes stay true; a history that is not the last one
 * continued (compaction, another model) is serialised again.
 *
 * The rollout's `request` line digests the same bytes (digests()); those hashes run on from one
 * request to the next, so a long session does not hash its whole history per request either.
 *
 * One encoder per client (the cache is the client's, not the module's).
 */

import { createHash, type Hash } from 'node:crypto';

/** Stands in for `input` while the rest of the body is serialised; never a real value. */
const INPUT_MARK = '\u0000spool-input\u0000';
/** How the mark reads after the `input` key (a string value cannot contain the unescaped key). */
const MARK_JSON = `"input":${JSON.stringify(INPUT_MARK)}`;
const COMMA = Buffer.from(',');
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

/** What a request line keeps of a body's bytes (protocol/request-record.ts), computed from them. */
export interface BodyDigests {
  /** sha256 (hex) of the whole body's bytes. */
  sha256: string;
  bytes: number;
  /** sha256 (hex) of the input array's JSON text (`[item,item,…]`). */
  input: string;
}

/** The body as the text around its input array (and its bytes), and the input's items. */
interface Frame {
  head: string;
  headBytes: Buffer;
  items: unknown[];
  tail: string;
  tailBytes: Buffer;
}

/** The last frame's text and what it was made from, for the next body that differs only in its input. */
interface KeptFrame {
  keys: string;
  instructions: unknown;
  tools: unknown;
  /** JSON of the other fields (model, reasoning, …: small). */
  small: string;
  head: string;
  headBytes: Buffer;
  tail: string;
  tailBytes: Buffer;
}

/** Sealed segments of the input's bytes are about this long (each made once, kept for the thread). */
const SEGMENT_BYTES = 64 * 1024;

/**
 * The last body's input, up to the end of its items: as bytes in segments (sealed ones never change,
 * the open one gains items), and as running hashes of the body and of the input, so the next body,
 * which only adds items, costs only what it adds (copy() leaves a running hash as it was).
 */
interface Running {
  head: string;
  /** The items taken in, by identity. */
  items: unknown[];
  sealed: Buffer[];
  open: Buffer[];
  openBytes: number;
  /** Bytes of the body so far: the head and the input's bytes. */
  bytes: number;
  body: Hash;
  input: Hash;
}

export class BodyEncoder {
  private running: Running | undefined;
  private kept: KeptFrame | undefined;

  /**
   * The UTF-8 bytes of `JSON.stringify(body)` (`body.input` an array of history items), in chunks
   * to be sent in order: no request-sized buffer is made, so a long session does not allocate (and
   * fragment the heap with) a larger buffer for every request.
   */
  encode(body: Record<string, unknown>): Buffer[] {
    const frame = this.frame(body);
    if (!frame) return [Buffer.from(JSON.stringify(body))];
    const run = this.advance(frame);
    return [frame.headBytes, ...run.sealed, ...run.open, CLOSE, frame.tailBytes];
  }

  /**
   * The digests of `encode(body)`'s bytes, without hashing the whole history again. Undefined when
   * the body has no input array.
   */
  digests(body: Record<string, unknown>): BodyDigests | undefined {
    const frame = this.frame(body);
    if (!frame) return undefined;
    const run = this.advance(frame);
    const tail = frame.tailBytes;
    return {
      sha256: run.body.copy().update(CLOSE).update(tail).digest('hex'),
      bytes: run.bytes + CLOSE.length + tail.length,
      input: run.input.copy().update(CLOSE).digest('hex'),
    };
  }

  /**
   * Takes in the frame's items: a body whose text before the input is the last one's, and whose
   * input starts with the last one's items (the same objects), continues where the last one ended.
   * Anything else (compaction, another model) starts over.
   */
  private advance(frame: Frame): Running {
    const run = this.continuing(frame) ?? this.start(frame.head);
    for (let i = run.items.length; i < frame.items.length; i++) {
      if (i > 0) this.append(run, COMMA);
      this.append(run, this.item(frame.items[i]));
      run.items.push(frame.items[i]);
    }
    this.running = run;
    return run;
  }

  private append(run: Running, bytes: Buffer): void {
    run.body.update(bytes);
    run.input.update(bytes);
    run.bytes += bytes.length;
    run.open.push(bytes);
    run.openBytes += bytes.length;
    if (run.openBytes >= SEGMENT_BYTES) {
      run.sealed.push(Buffer.concat(run.open, run.openBytes));
      run.open = [];
      run.openBytes = 0;
    }
  }

  private continuing(frame: Frame): Running | undefined {
    const run = this.running;
    if (!run || run.head !== frame.head || run.items.length > frame.items.length) return undefined;
    for (let i = 0; i < run.items.length; i++) if (run.items[i] !== frame.items[i]) return undefined;
    return run;
  }

  private start(head: string): Running {
    const bytes = Buffer.from(head);
    return {
      head,
      items: [],
      sealed: [],
      open: [OPEN],
      openBytes: OPEN.length,
      bytes: bytes.length + OPEN.length,
      body: createHash('sha256').update(bytes).update(OPEN),
      input: createHash('sha256').update(OPEN),
    };
  }

  /**
   * The text around the input. The instructions and the tools (the large fields) are the same
   * objects from one request of a thread to the next, and the other fields are small: when they
   * are all as last time, so is the text, and it is not serialised (nor encoded) again.
   */
  private frame(body: Record<string, unknown>): Frame | undefined {
    const input = body.input;
    if (!Array.isArray(input)) return undefined;
    const keys = Object.keys(body);
    const others: Record<string, unknown> = {};
    for (const key of keys)
      if (key !== 'input' && key !== 'instructions' && key !== 'tools') others[key] = body[key];
    const small = JSON.stringify(others);
    const last = this.kept;
    if (
      last &&
      last.keys === keys.join(',') &&
      last.small === small &&
      last.instructions === body.instructions &&
      last.tools === body.tools
    )
      return { ...last, items: input };
    const rest = JSON.stringify({ ...body, input: INPUT_MARK });
    const at = rest.indexOf(MARK_JSON);
    const head = rest.slice(0, at + '"input":'.length);
    const tail = rest.slice(at + MARK_JSON.length);
    this.kept = {
      keys: keys.join(','),
      instructions: body.instructions,
      tools: body.tools,
      small,
      head,
      headBytes: Buffer.from(head),
      tail,
      tailBytes: Buffer.from(tail),
    };
    return { ...this.kept, items: input };
  }

  private item(item: unknown): Buffer {
    return Buffer.from(JSON.stringify(item) ?? 'null');
  }
}
