/**
 * Decides the answer to one recorded request: which step it consumes, which checks it fails, and
 * what goes on the wire. The HTTP plumbing (`server.ts`) then performs the returned action.
 */
import { CONTEXT_WINDOW_MESSAGE, contextLengthBody, openAiErrorBody } from './builders.js';
import { buildChatChunks, buildChatCompletion } from './chat-wire.js';
import { buildCompactedResponse, inBandCompactionContent, serverCompactionThreshold } from './compact.js';
import type { IdGenerator } from './ids.js';
import { buildFailedEvents, buildResponseEvents, type SseEvent } from './responses-wire.js';
import { type CompactStep, isHttpFault, type ResponseStep, type Step, type StreamFault } from './script.js';
import type { PrefixCache } from './tokens.js';
import type { EmulatorOptions, RecordedRequest } from './types.js';
import { validateChatRequest, validateResponsesRequest } from './validate.js';

type Json = Record<string, unknown>;

export type Action =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'responses_stream'; events: SseEvent[]; fault?: StreamFault; delayMs?: number }
  | { kind: 'chat_stream'; frames: Json[]; done: boolean; fault?: StreamFault; delayMs?: number };

/** The mutable state of one emulator (never shared between emulators). */
export interface EmulatorState {
  options: EmulatorOptions;
  ids: IdGenerator;
  cache: PrefixCache;
  steps: Step[];
  stepsUsed: number;
  compactSteps: CompactStep[];
  problems: string[];
}

/** Cache bookkeeping of a request, prepared before it is recorded. */
export interface Accounting {
  routingKey: string;
  prompt: string;
}

function now(state: EmulatorState): number {
  return state.options.clock?.() ?? Math.floor(Date.now() / 1000);
}

/** What the wire builders need to answer a request. */
function wireContext(state: EmulatorState, record: RecordedRequest, body: Json) {
  return {
    ids: state.ids,
    body,
    createdAt: now(state),
    inputTokens: record.inputTokens,
    cachedTokens: record.cachedTokens,
  };
}

function nextStep(state: EmulatorState, record: RecordedRequest): Step | undefined {
  const index = state.stepsUsed;
  const script = state.options.script;
  const step = typeof script === 'function' ? script(record, index) : state.steps[index];
  if (step === undefined) return undefined;
  state.stepsUsed++;
  record.stepIndex = index;
  return step;
}

function httpFaultAction(step: {
  http: { status: number; body?: unknown; headers?: Record<string, string> };
}): Action {
  const { status, body, headers } = step.http;
  return { kind: 'json', status, body: body ?? defaultErrorBody(status), ...(headers ? { headers } : {}) };
}

function defaultErrorBody(status: number): unknown {
  if (status === 429) {
    return openAiErrorBody('Rate limit reached. Please try again in 1s.', 'requests', 'rate_limit_exceeded');
  }
  if (status === 401)
    return openAiErrorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  if (status === 503) {
    return openAiErrorBody(
      'The engine is currently overloaded, please try again later',
      'server_error',
      null,
    );
  }
  if (status >= 500) {
    return openAiErrorBody(
      'The server had an error while processing your request. Sorry about that!',
      'server_error',
      null,
    );
  }
  return openAiErrorBody(`Emulated HTTP ${status}`, 'invalid_request_error', null);
}

function exhausted(state: EmulatorState, record: RecordedRequest): Action {
  record.outcome = 'script_exhausted';
  const message = `Model emulator: no script step left for request #${record.seq} (${record.method} ${record.path}); the script had ${state.stepsUsed} step(s).`;
  state.problems.push(message);
  return {
    kind: 'json',
    status: 500,
    body: openAiErrorBody(message, 'server_error', 'emulator_script_exhausted'),
  };
}

function rejected(state: EmulatorState, record: RecordedRequest, status: number, body: unknown): Action {
  record.outcome = 'rejected';
  const message = (body as { error?: { message?: string } }).error?.message ?? `HTTP ${status}`;
  state.problems.push(`request #${record.seq} (${record.path}) rejected: ${message}`);
  return { kind: 'json', status, body };
}

/** OpenAI's 404 body for a model the emulator does not serve, when it is told to check. */
function unknownModelBody(state: EmulatorState, body: Json): unknown | undefined {
  const { models, rejectUnknownModels } = state.options;
  if (!rejectUnknownModels || (models ?? DEFAULT_MODELS).includes(String(body.model))) return undefined;
  return openAiErrorBody(
    `The model \`${String(body.model)}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model_not_found',
  );
}

export function decideResponses(
  state: EmulatorState,
  record: RecordedRequest,
  accounting: Accounting,
): Action {
  const body = record.body as Json;
  if (state.options.validateRequests !== false) {
    const problem = validateResponsesRequest(body, true);
    if (problem) return rejected(state, record, problem.status, problem.body);
  }
  const modelProblem = unknownModelBody(state, body);
  if (modelProblem) return rejected(state, record, 404, modelProblem);

  const ctx = wireContext(state, record, body);
  const threshold = serverCompactionThreshold(body);
  const compacts = threshold !== undefined && record.inputTokens >= threshold;
  const window = state.options.contextWindow;
  if (!compacts && window !== undefined && record.inputTokens > window) {
    record.outcome = 'context_length_exceeded';
    if (body.stream === true && state.options.contextWindowError !== 'http') {
      return {
        kind: 'responses_stream',
        events: buildFailedEvents(ctx, 'context_length_exceeded', CONTEXT_WINDOW_MESSAGE),
      };
    }
    return { kind: 'json', status: 400, body: contextLengthBody() };
  }

  const step = nextStep(state, record);
  if (!step) return exhausted(state, record);
  if (isHttpFault(step)) {
    record.outcome = 'http_fault';
    return httpFaultAction(step);
  }
  record.outcome = 'response';
  state.cache.remember(accounting.routingKey, accounting.prompt);
  const compaction =
    compacts || step.inBandCompaction
      ? { encrypted_content: inBandCompactionContent(state.ids, body) }
      : undefined;
  const { events, response } = buildResponseEvents(step, compaction ? { ...ctx, compaction } : ctx);
  if (body.stream !== true) return { kind: 'json', status: 200, body: response };
  return withFault({ kind: 'responses_stream', events }, step);
}

function withFault<A extends Action & { kind: 'responses_stream' | 'chat_stream' }>(
  action: A,
  step: ResponseStep,
): A {
  if (step.fault) action.fault = step.fault;
  if (step.eventDelayMs) action.delayMs = step.eventDelayMs;
  return action;
}

export function decideChat(state: EmulatorState, record: RecordedRequest, accounting: Accounting): Action {
  const body = record.body as Json;
  if (state.options.validateRequests !== false) {
    const problem = validateChatRequest(body);
    if (problem) return rejected(state, record, problem.status, problem.body);
  }
  const modelProblem = unknownModelBody(state, body);
  if (modelProblem) return rejected(state, record, 404, modelProblem);

  const window = state.options.contextWindow;
  if (window !== undefined && record.inputTokens > window) {
    record.outcome = 'context_length_exceeded';
    const message = `This model's maximum context length is ${window} tokens. However, your messages resulted in ${record.inputTokens} tokens. Please reduce the length of the messages.`;
    return {
      kind: 'json',
      status: 400,
      body: openAiErrorBody(message, 'invalid_request_error', 'context_length_exceeded', 'messages'),
    };
  }

  const step = nextStep(state, record);
  if (!step) return exhausted(state, record);
  if (isHttpFault(step)) {
    record.outcome = 'http_fault';
    return httpFaultAction(step);
  }
  record.outcome = 'response';
  state.cache.remember(accounting.routingKey, accounting.prompt);
  const ctx = wireContext(state, record, body);
  if (body.stream !== true) {
    if (step.terminal?.type === 'failed') {
      return {
        kind: 'json',
        status: 500,
        body: openAiErrorBody(step.terminal.message, 'server_error', step.terminal.code),
      };
    }
    return { kind: 'json', status: 200, body: buildChatCompletion(step, ctx) };
  }
  const { frames, done } = buildChatChunks(step, ctx);
  return withFault({ kind: 'chat_stream', frames, done }, step);
}

export function decideCompact(state: EmulatorState, record: RecordedRequest, accounting: Accounting): Action {
  const body = record.body as Json;
  if (state.options.validateRequests !== false) {
    const problem = validateResponsesRequest(body, false);
    if (problem) return rejected(state, record, problem.status, problem.body);
  }
  // The compaction request is the whole history: it must fit the window like any other.
  const window = state.options.contextWindow;
  if (window !== undefined && record.inputTokens > window) {
    record.outcome = 'context_length_exceeded';
    return { kind: 'json', status: 400, body: contextLengthBody() };
  }
  const step = state.compactSteps.shift();
  if (step && isHttpFault(step)) {
    record.outcome = 'http_fault';
    return httpFaultAction(step);
  }
  record.outcome = 'compacted';
  state.cache.remember(accounting.routingKey, accounting.prompt);
  const ctx = wireContext(state, record, body);
  return { kind: 'json', status: 200, body: buildCompactedResponse(ctx, step) };
}

export function decideModels(state: EmulatorState, record: RecordedRequest, modelId?: string): Action {
  const models = (state.options.models ?? DEFAULT_MODELS).map((id) => ({
    id,
    object: 'model',
    created: 1_700_000_000,
    owned_by: 'openai',
  }));
  if (modelId === undefined) {
    record.outcome = 'models';
    return { kind: 'json', status: 200, body: { object: 'list', data: models } };
  }
  const model = models.find((m) => m.id === modelId);
  if (model) {
    record.outcome = 'models';
    return { kind: 'json', status: 200, body: model };
  }
  record.outcome = 'not_found';
  return {
    kind: 'json',
    status: 404,
    body: openAiErrorBody(
      `The model '${modelId}' does not exist`,
      'invalid_request_error',
      'model_not_found',
      'model',
    ),
  };
}

export const DEFAULT_MODELS = ['gpt-5-codex', 'gpt-5', 'gpt-5-mini'];
