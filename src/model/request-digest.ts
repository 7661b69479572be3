/**
 * What a `request` rollout line keeps of a request body (protocol/request-record.ts): digests of
 * the body as sent and of its parts, and the parts that changed since the previous request. Also
 * splits a body into those parts, for a replay that compares one with a record (src/eval/).
 */
import { createHash } from 'node:crypto';
import type { RequestRecord } from '../protocol/request-record.js';
import { REQUEST_LINE_VERSION } from '../protocol/request-record.js';
import type { BodyDigests } from './body-encoder.js';

export type Wire = RequestRecord['wire'];

export interface RequestParts {
  instructions: string;
  tools: unknown[];
  /** The input items (Chat: the messages). */
  input: unknown[];
  rest: Record<string, unknown>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The key of the body that holds the conversation on a wire. */
function inputKey(wire: Wire): 'input' | 'messages' {
  return wire === 'chat' ? 'messages' : 'input';
}

/** A body split into what a divergence is named by. */
export function requestParts(wire: Wire, body: Record<string, unknown>): RequestParts {
  const key = inputKey(wire);
  const { instructions, tools, [key]: input, ...rest } = body;
  return {
    instructions: typeof instructions === 'string' ? instructions : '',
    tools: Array.isArray(tools) ? tools : [],
    input: Array.isArray(input) ? input : [],
    rest,
  };
}

/** Digests of each part (JSON text of the part, as the body serialises it). */
export function partDigests(
  parts: RequestParts,
  input = sha256(JSON.stringify(parts.input)),
  tools = sha256(JSON.stringify(parts.tools)),
): RequestRecord['parts'] {
  return { instructions: sha256(parts.instructions), tools, input, rest: sha256(JSON.stringify(parts.rest)) };
}

/** The digests of a body serialised here (a client that cannot give them). */
function wholeDigests(body: Record<string, unknown>, parts: RequestParts): BodyDigests {
  const text = JSON.stringify(body);
  return {
    sha256: sha256(text),
    bytes: Buffer.byteLength(text, 'utf8'),
    input: sha256(JSON.stringify(parts.input)),
  };
}

/** A request's record, and the texts of its large parts by digest (kept apart from the log). */
export interface RecordedParts {
  record: RequestRecord;
  /** digest → JSON text: the instructions (a JSON string) and the tools (a JSON array). */
  kept: Array<[string, string]>;
}

/**
 * Builds the records of one thread's requests, each against the previous one: the other fields are
 * written out only when their digest changed. One per recorded thread (no shared state).
 */
export class RequestRecords {
  private previous: RequestRecord['parts'] | undefined;
  private tools: { list: unknown[]; digest: string } | undefined;

  /** `bytes`: the digests of the body as sent, when the client made them (model/body-encoder.ts). */
  record(wire: Wire, body: Record<string, unknown>, bytes?: BodyDigests): RecordedParts {
    const parts = requestParts(wire, body);
    const whole = bytes ?? wholeDigests(body, parts);
    // A thread sends the same tools array with every request: digested once.
    if (this.tools?.list !== parts.tools)
      this.tools = { list: parts.tools, digest: sha256(JSON.stringify(parts.tools)) };
    const digests = partDigests(parts, whole.input, this.tools.digest);
    const before = this.previous;
    this.previous = digests;
    const kept: Array<[string, string]> = [];
    if (before?.instructions !== digests.instructions)
      kept.push([digests.instructions, JSON.stringify(parts.instructions)]);
    if (before?.tools !== digests.tools) kept.push([digests.tools, JSON.stringify(parts.tools)]);
    return {
      record: {
        v: REQUEST_LINE_VERSION,
        wire,
        sha256: whole.sha256,
        bytes: whole.bytes,
        parts: digests,
        input_items: parts.input.length,
        ...(before?.rest !== digests.rest ? { rest: parts.rest } : {}),
      },
      kept,
    };
  }
}
