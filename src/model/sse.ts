/**
 * Reading a streamed response's server-sent events with bounded memory, in linear time.
 *
 * The SDK's own SSE decoder re-scans its buffer for every chunk, so one 10 MB event (a model
 * streaming a huge tool call: the `…done` events repeat the whole argument) costs quadratic time and
 * hundreds of megabytes. Here the byte stream is cut into events at blank lines as it arrives
 * (each chunk is scanned once), and every event up to `maxEventChars` is handed whole to
 * `eventsource-parser` (fields, multi-line data, comments, CR/LF variants). An event larger than
 * that is never assembled: its text is dropped as it streams past, and the reader yields an
 * `OversizedEvent` keeping only its first and last few kilobytes, from which the translators tell
 * what it was (its type, the item it belongs to, the usage at the end of `response.completed`).
 *
 * What the SDK's stream does with each event is kept: `[DONE]` ends the stream, a JSON body with an
 * `error` field is thrown as the SDK's `APIError`, malformed JSON throws a `SyntaxError` (both then
 * classified by `classifyException`).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { APIError } from 'openai/core/error';
import type { StreamedResponse } from './http-post.js';

/** Characters of an oversized event kept at each end. */
const KEPT_CHARS = 4096;

/** An event too large to read, as much of it as was kept. */
export class OversizedEvent {
  constructor(
    /** Its size in characters (at least the limit). */
    readonly size: number,
    /** Its first characters (the `event:` line and the start of its data). */
    readonly head: string,
    /** Its last characters. */
    readonly tail: string,
  ) {}

  /** The event's type: its `event:` field, else the `type` its data starts with. */
  get type(): string | undefined {
    return /^event:[ ]?([^\r\n]+)/m.exec(this.head)?.[1] ?? /"type"\s*:\s*"([^"]+)"/.exec(this.head)?.[1];
  }

  /** The first number field `name` in the kept head (e.g. `output_index`). */
  headNumber(name: string): number | undefined {
    const match = new RegExp(`"${name}"\\s*:\\s*(\\d+)`).exec(this.head);
    return match ? Number(match[1]) : undefined;
  }

  /** The first string field `name` in the kept head (e.g. `item_id`, `call_id`). */
  headString(name: string): string | undefined {
    return new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]*)"`).exec(this.head)?.[1];
  }

  /** The last string field `name` in the kept tail (e.g. `finish_reason`). */
  tailString(name: string): string | undefined {
    const all = [...this.tail.matchAll(new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]*)"`, 'g'))];
    return all.at(-1)?.[1];
  }

  /** The last JSON object under `name` in the kept tail (e.g. `usage`), when it is whole there. */
  tailObject(name: string): unknown {
    const start = this.tail.lastIndexOf(`"${name}":`);
    if (start < 0) return undefined;
    const open = this.tail.indexOf('{', start);
    if (open < 0) return undefined;
    let depth = 0;
    for (let i = open; i < this.tail.length; i++) {
      const c = this.tail[i];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        try {
          return JSON.parse(this.tail.slice(open, i + 1));
        } catch (err) {
          if (err instanceof SyntaxError) return undefined;
          throw err;
        }
      }
    }
    return undefined;
  }
}

/** The first (or last) KEPT_CHARS characters of the text `parts` make, without joining them all. */
function keptEnd(parts: readonly string[], end: 'head' | 'tail'): string {
  let kept = '';
  if (end === 'head') {
    for (let i = 0; i < parts.length && kept.length < KEPT_CHARS; i++) kept += parts[i];
    return kept.slice(0, KEPT_CHARS);
  }
  for (let i = parts.length - 1; i >= 0 && kept.length < KEPT_CHARS; i--) kept = parts[i] + kept;
  return kept.slice(-KEPT_CHARS);
}

/**
 * Cuts a text stream into events at blank lines (`\n`, `\r\n` or `\r` line ends), linearly: each
 * chunk is scanned once. Events up to `maxChars` go to `onEvent` whole; larger ones to `onOversized`.
 */
export class EventFramer {
  private parts: string[] = [];
  private size = 0;
  /** Over the limit: only the head and a rolling tail are kept. */
  private over = false;
  private head = '';
  private tail = '';
  /** The current line has no characters yet (it may turn out to be the blank line). */
  private lineEmpty = true;
  /** The last character seen was `\r` (a `\n` right after it belongs to the same line end). */
  private afterCR = false;

  constructor(
    private readonly maxChars: number,
    private readonly onEvent: (text: string) => void,
    private readonly onOversized: (event: OversizedEvent) => void,
  ) {}

  push(chunk: string): void {
    let eventStart = 0;
    /** Where the characters not yet looked at begin. */
    let next = 0;
    const ends = /[\r\n]/g;
    for (let match = ends.exec(chunk); match; match = ends.exec(chunk)) {
      const i = match.index;
      const lf = chunk.charCodeAt(i) === 10;
      if (i > next) {
        this.lineEmpty = false;
        this.afterCR = false;
      }
      next = i + 1;
      if (lf && this.afterCR) {
        // The `\n` of a `\r\n`: the line already ended at the `\r`.
        this.afterCR = false;
        continue;
      }
      this.afterCR = !lf;
      const blank = this.lineEmpty;
      this.lineEmpty = true;
      if (blank) {
        this.append(chunk.slice(eventStart, i + 1));
        this.finishEvent();
        eventStart = i + 1;
      }
    }
    if (chunk.length > next) {
      this.lineEmpty = false;
      this.afterCR = false;
    }
    this.append(chunk.slice(eventStart));
  }

  /** The stream ended: an event without its final blank line still counts, as for EventSource. */
  end(): void {
    if (this.size > 0) this.finishEvent('\n\n');
  }

  private append(text: string): void {
    if (text === '') return;
    this.size += text.length;
    if (!this.over) {
      this.parts.push(text);
      if (this.size <= this.maxChars) return;
      // Over the limit: keep the head and the tail, drop the rest as it streams past.
      this.head = keptEnd(this.parts, 'head');
      this.tail = keptEnd(this.parts, 'tail');
      this.parts = [];
      this.over = true;
      return;
    }
    this.tail = (this.tail + text.slice(-KEPT_CHARS)).slice(-KEPT_CHARS);
  }

  private finishEvent(suffix = ''): void {
    if (this.over) this.onOversized(new OversizedEvent(this.size, this.head, this.tail));
    else {
      let text = this.parts.join('') + suffix;
      // A lone `\r` ending the event: give the parser its `\n` now rather than with the next event.
      if (text.endsWith('\r')) text += '\n';
      if (text.trim() !== '') this.onEvent(text);
    }
    this.parts = [];
    this.size = 0;
    this.over = false;
    this.head = '';
    this.tail = '';
  }
}

interface SseReadOptions {
  /** Events larger than this (characters) are not read: an `OversizedEvent` stands for each. */
  maxEventChars: number;
  /** The response's headers, for an error the stream carries (made only then). */
  headers?: () => Headers;
}

/**
 * The JSON payloads of a response's server-sent events, in order, with an `OversizedEvent` for each
 * event over the limit. Throws as the SDK's stream does (see the module comment).
 */
export async function* sseEvents(
  body: AsyncIterable<Uint8Array>,
  options: SseReadOptions,
): AsyncGenerator<unknown> {
  const ready: Array<EventSourceMessage | OversizedEvent> = [];
  const parser = createParser({ onEvent: (message) => ready.push(message) });
  const framer = new EventFramer(
    options.maxEventChars,
    (text) => parser.feed(text),
    (event) => ready.push(event),
  );
  const decoder = new TextDecoder('utf-8');
  const drain = function* (): Generator<unknown, boolean> {
    for (const message of ready.splice(0)) {
      if (message instanceof OversizedEvent) {
        yield message;
        continue;
      }
      if (message.data.startsWith('[DONE]')) return true;
      const data = JSON.parse(message.data) as { error?: unknown } | null;
      if (data && typeof data === 'object' && data.error) {
        throw new APIError(undefined, data.error as object, undefined, options.headers?.() ?? new Headers());
      }
      yield data;
    }
    return false;
  };
  for await (const chunk of body) {
    framer.push(decoder.decode(chunk, { stream: true }));
    if (yield* drain()) return;
  }
  framer.push(decoder.decode());
  framer.end();
  yield* drain();
}

/** The events of a streamed HTTP response (see `sseEvents`). */
export function responseEvents(response: StreamedResponse, maxEventChars: number): AsyncGenerator<unknown> {
  return sseEvents(response.body, { maxEventChars, headers: response.headers });
}
