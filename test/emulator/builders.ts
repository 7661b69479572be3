/**
 * Small constructors for scripts, so a test reads like the conversation it scripts:
 *
 *   script: [respond(shellCall('ls')), respond(say('Done.'))]
 *
 * They only build the plain data of `script.ts`; anything they build can be written by hand too.
 */
import type {
  HttpFaultStep,
  OutputSpec,
  PhaseSpec,
  ResponseStep,
  StreamFault,
  TerminalSpec,
} from './script.js';

/** An assistant message; `phase` labels it as current Codex models do (`commentary` | `final_answer`). */
export function say(text: string, phase?: PhaseSpec): OutputSpec {
  return phase === undefined ? { type: 'message', text } : { type: 'message', text, phase };
}

/** A refusal (a message whose content is a `refusal` part; `delta.refusal` on Chat). */
export function refuse(text: string): OutputSpec {
  return { type: 'refusal', text };
}

/** An assistant message whose text carries annotations (e.g. web-search citations). */
export function sayWithAnnotations(text: string, annotations: unknown[], phase?: PhaseSpec): OutputSpec {
  return phase === undefined
    ? { type: 'message', text, annotations }
    : { type: 'message', text, annotations, phase };
}

/** A hosted web search the service ran (an output item of its own, not a call Spool answers). */
export function webSearch(query: string): OutputSpec {
  return { type: 'web_search_call', query };
}

export function think(summary: string | string[], encryptedContent?: string): OutputSpec {
  const parts = Array.isArray(summary) ? summary : [summary];
  return encryptedContent === undefined
    ? { type: 'reasoning', summary: parts }
    : { type: 'reasoning', summary: parts, encrypted_content: encryptedContent };
}

export function call(name: string, args: string | object, callId?: string): OutputSpec {
  return callId === undefined
    ? { type: 'function_call', name, arguments: args }
    : { type: 'function_call', name, arguments: args, call_id: callId };
}

export function customCall(name: string, input: string, callId?: string): OutputSpec {
  return callId === undefined
    ? { type: 'custom_tool_call', name, input }
    : { type: 'custom_tool_call', name, input, call_id: callId };
}

/**
 * A `shell` function call: a string runs under `bash -c`, an array is the argv itself. (Not `-lc`:
 * a login shell reads the machine's profile, which costs most of a second on some machines and
 * tests nothing of Spool's.)
 */
export function shellCall(
  command: string | string[],
  extra: { workdir?: string; timeout_ms?: number; call_id?: string } = {},
): OutputSpec {
  const argv = Array.isArray(command) ? command : ['bash', '-c', command];
  const { call_id, ...rest } = extra;
  return call('shell', { command: argv, ...rest }, call_id);
}

/** An `apply_patch` call as the freeform (custom) tool, the way GPT-5 models send it. */
export function applyPatchCall(patch: string, callId?: string): OutputSpec {
  return customCall('apply_patch', patch, callId);
}

export interface RespondOptions {
  usage?: ResponseStep['usage'];
  terminal?: TerminalSpec;
  fault?: StreamFault;
  eventDelayMs?: number;
  inBandCompaction?: boolean;
}

/** A response step with these output items; options may follow the items as the last argument. */
export function respond(...args: Array<OutputSpec | RespondOptions>): ResponseStep {
  const output: OutputSpec[] = [];
  let options: RespondOptions = {};
  for (const arg of args) {
    if ('type' in arg) output.push(arg as OutputSpec);
    else options = { ...options, ...arg };
  }
  return { output, ...options };
}

// --- HTTP faults with OpenAI's bodies -------------------------------------------------------

export function openAiErrorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
) {
  return { error: { message, type, param, code } };
}

export function httpError(status: number, body?: unknown, headers?: Record<string, string>): HttpFaultStep {
  const http: HttpFaultStep['http'] = { status };
  if (body !== undefined) http.body = body;
  if (headers !== undefined) http.headers = headers;
  return { http };
}

export function serverError500(): HttpFaultStep {
  return httpError(
    500,
    openAiErrorBody(
      'The server had an error while processing your request. Sorry about that!',
      'server_error',
      null,
    ),
  );
}

/** 429 with a `Retry-After` header (seconds) and the rate-limit body. */
export function rateLimit429(retryAfterSeconds = 1): HttpFaultStep {
  return httpError(429, rateLimitBody(retryAfterSeconds), { 'retry-after': String(retryAfterSeconds) });
}

/** 429 whose only hint is in the message: "… Please try again in 1.5s. …" (no header). */
export function rateLimitMessage429(seconds = 1.5): HttpFaultStep {
  return httpError(429, rateLimitBody(seconds));
}

function rateLimitBody(seconds: number) {
  return openAiErrorBody(
    `Rate limit reached for gpt-5 in organization org-emulator on tokens per min (TPM): Limit 30000, Used 29000, Requested 2500. Please try again in ${seconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
    'tokens',
    'rate_limit_exceeded',
  );
}

/** 429 insufficient_quota: a rate-limit status that retrying will not fix. */
export function quotaExceeded429(): HttpFaultStep {
  return httpError(
    429,
    openAiErrorBody(
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      'insufficient_quota',
      'insufficient_quota',
    ),
  );
}

export function unauthorized401(): HttpFaultStep {
  return httpError(
    401,
    openAiErrorBody(
      'Incorrect API key provided: x. You can find your API key at https://platform.openai.com/account/api-keys.',
      'invalid_request_error',
      'invalid_api_key',
    ),
  );
}

export const CONTEXT_WINDOW_MESSAGE =
  'Your input exceeds the context window of this model. Please adjust your input and try again.';

export function contextLengthBody() {
  return openAiErrorBody(CONTEXT_WINDOW_MESSAGE, 'invalid_request_error', 'context_length_exceeded', 'input');
}
