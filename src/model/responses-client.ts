/**
 * The Responses API client, on the official `openai` SDK (it owns HTTP and SSE parsing; Spool owns
 * retries, so the SDK's own retries are off).
 *
 * Requests are stateless (`store: false`, no `previous_response_id`): the whole history goes every
 * time, and reasoning comes back as `encrypted_content` to be returned unchanged.
 */
import OpenAI from 'openai';
import type { HistoryItem } from '../protocol/items.js';
import { classifyException, type ErrorContext } from './errors.js';
import { canonicalOutputItem, ResponsesStreamTranslator, usageFromResponses } from './responses-events.js';
import type { CompactOutcome, ModelClient, ModelError, ModelEvent, ModelRequest } from './types.js';

export interface HttpEndpoint {
  /** e.g. `https://api.openai.com/v1` */
  baseURL: string;
  apiKey: string | undefined;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Abort the attempt when no event arrives for this long. */
  idleTimeoutMs: number;
  errorContext: ErrorContext;
}

/** Builds the SDK client for an endpoint; without a key, no Authorization header is sent. */
export function sdkClient(endpoint: HttpEndpoint): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey ?? 'unused',
    maxRetries: 0,
    timeout: endpoint.idleTimeoutMs,
    defaultHeaders: {
      ...endpoint.headers,
      ...(endpoint.apiKey === undefined ? { Authorization: null } : {}),
    },
    defaultQuery: endpoint.query,
  });
}

/** The request body, fields in Codex's order. Exported for tests of the exact wire shape. */
export function responsesRequestBody(request: ModelRequest): Record<string, unknown> {
  const reasoning = request.reasoning;
  const text: Record<string, unknown> = {};
  if (request.verbosity) text.verbosity = request.verbosity;
  if (request.outputSchema) {
    text.format = {
      type: 'json_schema',
      name: 'spool_output_schema',
      schema: request.outputSchema,
      strict: true,
    };
  }
  return {
    model: request.model,
    instructions: request.instructions,
    input: request.input,
    tools: request.tools,
    tool_choice: request.toolChoice ?? 'auto',
    parallel_tool_calls: request.parallelToolCalls,
    ...(reasoning ? { reasoning } : {}),
    store: false,
    stream: true,
    include: reasoning ? ['reasoning.encrypted_content'] : [],
    prompt_cache_key: request.promptCacheKey,
    ...(Object.keys(text).length > 0 ? { text } : {}),
  };
}

export interface IdleWatch {
  /** Aborts with the caller's signal, or when `touch()` was not called for the idle time. */
  signal: AbortSignal;
  touch(): void;
  /** Why the attempt stopped when the transport gave no error of its own. */
  stopReason(idleMsForMessage: number): ModelError | undefined;
  dispose(): void;
}

/**
 * Runs an attempt under an idle timer: the returned signal aborts when the caller's signal does or
 * when `touch()` has not been called for `idleMs`.
 */
export function idleWatch(signal: AbortSignal, idleMs: number): IdleWatch {
  const controller = new AbortController();
  let idleFired = false;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idleFired = true;
      controller.abort();
    }, idleMs);
  };
  touch();
  return {
    signal: controller.signal,
    touch,
    stopReason(idleMsForMessage: number): ModelError | undefined {
      if (signal.aborted) return { kind: 'aborted', message: 'Request aborted', retryable: false };
      if (idleFired) {
        return {
          kind: 'idle_timeout',
          message: `No event from the model server for ${Math.round(idleMsForMessage / 1000)} s (idle timeout)`,
          retryable: true,
        };
      }
      return undefined;
    },
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** The body of `POST /responses/compact`: the request's model, instructions, history and tools. */
export function compactRequestBody(request: ModelRequest): Record<string, unknown> {
  const body = responsesRequestBody(request);
  return {
    model: body.model,
    instructions: body.instructions,
    input: body.input,
    tools: body.tools,
    parallel_tool_calls: body.parallel_tool_calls,
    ...(body.reasoning ? { reasoning: body.reasoning } : {}),
    ...(body.text ? { text: body.text } : {}),
  };
}

export class ResponsesClient implements ModelClient {
  private readonly client: OpenAI;

  constructor(private readonly endpoint: HttpEndpoint) {
    this.client = sdkClient(endpoint);
  }

  async compact(request: ModelRequest, signal: AbortSignal): Promise<CompactOutcome> {
    try {
      const response = (await this.client.post('/responses/compact', {
        body: compactRequestBody(request),
        signal,
        timeout: this.endpoint.idleTimeoutMs,
      })) as { output?: unknown[]; usage?: unknown };
      if (!Array.isArray(response?.output)) {
        return {
          ok: false,
          error: { kind: 'bad_response', message: 'compaction answer has no output items', retryable: true },
        };
      }
      const items = response.output
        .map(canonicalOutputItem)
        .filter((item): item is HistoryItem => item !== undefined);
      return { ok: true, items, usage: usageFromResponses(response.usage) };
    } catch (err) {
      return { ok: false, error: classifyException(err, this.endpoint.errorContext) };
    }
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    const idle = idleWatch(signal, this.endpoint.idleTimeoutMs);
    const translator = new ResponsesStreamTranslator(this.endpoint.errorContext);
    const failure = (err: unknown, phase: 'request' | 'stream'): ModelEvent => ({
      type: 'failed',
      error:
        idle.stopReason(this.endpoint.idleTimeoutMs) ??
        classifyException(err, this.endpoint.errorContext, phase),
    });
    try {
      let events: AsyncIterable<unknown>;
      try {
        const body = responsesRequestBody(
          request,
        ) as unknown as OpenAI.Responses.ResponseCreateParamsStreaming;
        events = await this.client.responses.create(body, { signal: idle.signal });
      } catch (err) {
        yield failure(err, 'request');
        return;
      }
      try {
        for await (const raw of events) {
          idle.touch();
          for (const event of translator.push(raw)) yield event;
          if (translator.finished) return;
        }
      } catch (err) {
        yield failure(err, 'stream');
        return;
      }
      yield {
        type: 'failed',
        error: idle.stopReason(this.endpoint.idleTimeoutMs) ?? {
          kind: 'stream_closed',
          message: 'stream closed before response.completed',
          retryable: true,
        },
      };
    } finally {
      idle.dispose();
    }
  }
}
