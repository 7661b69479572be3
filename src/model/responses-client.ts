/**
 * The Responses API client, on the official `openai` SDK (it owns the request, HTTP errors and their
 * types; Spool owns retries, so the SDK's own retries are off). The event stream is read by sse.ts,
 * linearly and with a bound on one event, instead of the SDK's decoder.
 *
 * Requests are stateless (`store: false`, no `previous_response_id`): the whole history goes every
 * time, and reasoning comes back as `encrypted_content` to be returned unchanged.
 */
import type OpenAI from 'openai';
import type { HistoryItem } from '../protocol/items.js';
import { streamAttempt } from './attempt-stream.js';
import { type BodyDigests, BodyEncoder } from './body-encoder.js';
import type { HttpEndpoint } from './endpoint.js';
import { classifyException } from './errors.js';
import { postStream } from './http-post.js';
import { DEFAULT_MAX_TOOL_INPUT_BYTES, maxEventChars } from './oversized-calls.js';
import { canonicalOutputItem, ResponsesStreamTranslator, usageFromResponses } from './responses-events.js';
import { responseEvents } from './sse.js';
import type { CompactOutcome, ModelClient, ModelEvent, ModelRequest } from './types.js';

/**
 * The `reasoning` object as the API takes it: `summary` is one of `auto`, `concise`, `detailed`;
 * `model_reasoning_summary = "none"` means no summary, so the field is left out (the API rejects
 * `"none"`).
 */
function reasoningParam(reasoning: ModelRequest['reasoning']): Record<string, unknown> | undefined {
  if (!reasoning) return undefined;
  return {
    ...(reasoning.effort !== undefined ? { effort: reasoning.effort } : {}),
    ...(reasoning.summary !== undefined && reasoning.summary !== 'none'
      ? { summary: reasoning.summary }
      : {}),
  };
}

/** The request body, fields in Codex's order. Exported for tests of the exact wire shape. */
export function responsesRequestBody(request: ModelRequest): Record<string, unknown> {
  const reasoning = reasoningParam(request.reasoning);
  const text: Record<string, unknown> = {};
  if (request.verbosity) text.verbosity = request.verbosity;
  if (request.outputSchema) {
    text.format = {
      type: 'json_schema',
      name: 'spool_output_schema',
      schema: request.outputSchema.schema,
      strict: request.outputSchema.strict,
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

/**
 * The body of `POST /responses/compact`: the request's model, instructions, history and tools, and
 * the thread's `prompt_cache_key`, so the compaction request (the whole history) is routed to the
 * cache the thread's requests warmed.
 */
function compactRequestBody(request: ModelRequest): Record<string, unknown> {
  const body = responsesRequestBody(request);
  return {
    model: body.model,
    instructions: body.instructions,
    input: body.input,
    tools: body.tools,
    parallel_tool_calls: body.parallel_tool_calls,
    ...(body.reasoning ? { reasoning: body.reasoning } : {}),
    ...(body.text ? { text: body.text } : {}),
    prompt_cache_key: body.prompt_cache_key,
  };
}

export class ResponsesClient implements ModelClient {
  /** The SDK, for remote compaction only (made when first needed: streams go by http-post.ts). */
  private sdk: OpenAI | undefined;
  /** Serialises each history item once for all the thread's requests (body-encoder.ts). */
  private readonly encoder = new BodyEncoder();

  constructor(private readonly endpoint: HttpEndpoint) {}

  private async client(): Promise<OpenAI> {
    if (!this.sdk) {
      const { sdkClient } = await import('./sdk-client.js');
      this.sdk ??= sdkClient(this.endpoint);
    }
    return this.sdk;
  }

  async compact(request: ModelRequest, signal: AbortSignal): Promise<CompactOutcome> {
    try {
      const response = (await (
        await this.client()
      ).post('/responses/compact', {
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

  requestBody(request: ModelRequest): {
    wire: 'responses';
    body: Record<string, unknown>;
    digests?: BodyDigests;
  } {
    const body = responsesRequestBody(request);
    return { wire: 'responses', body, digests: this.encoder.digests(body) };
  }

  stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    const maxInput = this.endpoint.maxToolInputBytes ?? DEFAULT_MAX_TOOL_INPUT_BYTES;
    const translator = new ResponsesStreamTranslator(this.endpoint.errorContext, maxInput);
    return streamAttempt({
      signal,
      endpoint: this.endpoint,
      open: async (attemptSignal) => {
        // What `responses.create` would send, as bytes made here, sent as they are (http-post.ts).
        const body = this.encoder.encode(responsesRequestBody(request));
        const response = await postStream(this.endpoint, '/responses', body, attemptSignal);
        return responseEvents(response, maxEventChars(maxInput));
      },
      push: (raw) => translator.push(raw),
      finished: () => translator.finished,
      end: () => [
        {
          type: 'failed',
          error: {
            kind: 'stream_closed',
            message: 'stream closed before response.completed',
            retryable: true,
          },
        },
      ],
    });
  }
}
