/**
 * The emulator's script format: what the "model" answers, step by step.
 *
 * Each request to `/responses` or `/chat/completions` consumes the next step. A step is either a
 * response (output items, usage, an optional terminal state and an optional stream fault) or an HTTP
 * fault. The same data drives both wires, so one script can exercise either client.
 */

/** `phase` of an assistant message as current Codex models stream it (`null`: sent as null). */
export type PhaseSpec = 'commentary' | 'final_answer' | null;

export type OutputSpec =
  /** An assistant message; `annotations` go on its text part (url_citation and the like). */
  | { type: 'message'; text: string; phase?: PhaseSpec; annotations?: unknown[] }
  /** A refusal: a message whose part is `refusal` (Responses) or `delta.refusal` (Chat). */
  | { type: 'refusal'; text: string }
  /** A hosted web search (the service's own tool; Chat has no form for it and sends nothing). */
  | { type: 'web_search_call'; query: string }
  | { type: 'reasoning'; summary?: string[]; encrypted_content?: string }
  /** `delta_size`: characters per streamed delta (default 20; large calls stream faster with more). */
  | { type: 'function_call'; name: string; arguments: string | object; call_id?: string; delta_size?: number }
  | { type: 'custom_tool_call'; name: string; input: string; call_id?: string; delta_size?: number };

export type StreamFault =
  /** Destroy the socket after K SSE events (the client sees a connection error). */
  | { kind: 'close'; afterEvents: number }
  /** End the HTTP response cleanly after K events: a stream that stops before its terminal event. */
  | { kind: 'end'; afterEvents: number }
  /** Stop sending after K events and keep the socket open. */
  | { kind: 'stall'; afterEvents: number }
  /** After K events send a `data:` line that is not JSON, then end the response. */
  | { kind: 'malformed'; afterEvents: number }
  /**
   * After K events send an error event, then end. Responses: `event: error` with `code`/`message`
   * at the top level (the SDK's `ResponseErrorEvent`), or with `nested: true` inside an `error`
   * object, a shape some servers send and the SDK throws on. Chat: `data: {"error": {…}}`.
   */
  | { kind: 'error_event'; afterEvents: number; code: string; message: string; nested?: boolean };

export type TerminalSpec =
  | { type: 'failed'; code: string; message: string }
  | { type: 'incomplete'; reason: string };

export interface ResponseStep {
  output: OutputSpec[];
  /** Input and cached tokens are computed; these override the output-side estimates. */
  usage?: { output_tokens?: number; reasoning_tokens?: number };
  terminal?: TerminalSpec;
  fault?: StreamFault;
  /** Delay before each SSE event after the first (for interrupt tests). */
  eventDelayMs?: number;
  /**
   * The service compacts the context in this response (as with `context_management`): a
   * `compaction` item comes first in the stream, whatever the request asked.
   */
  inBandCompaction?: boolean;
}

export interface HttpFaultStep {
  http: { status: number; body?: unknown; headers?: Record<string, string> };
}

export type Step = ResponseStep | HttpFaultStep;

/** A `/responses/compact` answer: explicit output items, or the default shape with given content. */
export type CompactStep = { output?: unknown[]; encrypted_content?: string } | HttpFaultStep;

export function isHttpFault(step: Step | CompactStep): step is HttpFaultStep {
  return typeof (step as HttpFaultStep).http === 'object' && (step as HttpFaultStep).http !== null;
}

/** Checks the shape of a step loaded from JSON, so a typo in a script fails loudly, not mid-test. */
export function validateStep(step: unknown, where: string): Step {
  if (step === null || typeof step !== 'object') throw new Error(`${where}: a step must be an object`);
  const record = step as Record<string, unknown>;
  if ('http' in record) {
    const http = record.http as Record<string, unknown> | null;
    if (!http || typeof http.status !== 'number') throw new Error(`${where}: http.status must be a number`);
    return step as HttpFaultStep;
  }
  if (!Array.isArray(record.output)) throw new Error(`${where}: a response step needs an "output" array`);
  record.output.forEach((item, i) => {
    validateOutput(item, `${where}.output[${i}]`);
  });
  return step as ResponseStep;
}

function validateOutput(item: unknown, where: string): void {
  const spec = item as Record<string, unknown> | null;
  if (!spec || typeof spec !== 'object') throw new Error(`${where}: an output item must be an object`);
  switch (spec.type) {
    case 'message':
    case 'refusal':
      if (typeof spec.text !== 'string') throw new Error(`${where}: ${spec.type}.text must be a string`);
      return;
    case 'web_search_call':
      if (typeof spec.query !== 'string') throw new Error(`${where}: web_search_call.query must be a string`);
      return;
    case 'reasoning':
      if (spec.summary !== undefined && !Array.isArray(spec.summary)) {
        throw new Error(`${where}: reasoning.summary must be an array of strings`);
      }
      return;
    case 'function_call':
      if (typeof spec.name !== 'string') throw new Error(`${where}: function_call.name must be a string`);
      if (
        typeof spec.arguments !== 'string' &&
        (typeof spec.arguments !== 'object' || spec.arguments === null)
      ) {
        throw new Error(`${where}: function_call.arguments must be a string or an object`);
      }
      return;
    case 'custom_tool_call':
      if (typeof spec.name !== 'string' || typeof spec.input !== 'string') {
        throw new Error(`${where}: custom_tool_call needs string "name" and "input"`);
      }
      return;
    default:
      throw new Error(`${where}: unknown output type ${JSON.stringify(spec.type)}`);
  }
}

/** The arguments of a function call as the wire carries them: a JSON string. */
export function argumentsText(spec: Extract<OutputSpec, { type: 'function_call' }>): string {
  return typeof spec.arguments === 'string' ? spec.arguments : JSON.stringify(spec.arguments);
}
