/**
 * The Chat Completions client, on the official `openai` SDK, for servers that speak only
 * `/chat/completions` (local servers, many hosted platforms). Same contract as the Responses client:
 * one attempt per call, never throws, failures are terminal events.
 */
import { streamAttempt } from './attempt-stream.js';
import { chatReasoningConflict } from './catalog.js';
import { ChatStreamTranslator } from './chat-events.js';
import { chatRequestBody } from './chat-request.js';
import type { HttpEndpoint } from './endpoint.js';
import { postStream } from './http-post.js';
import { DEFAULT_MAX_TOOL_INPUT_BYTES, maxEventChars } from './oversized-calls.js';
import { responseEvents } from './sse.js';
import type { ModelClient, ModelEvent, ModelRequest } from './types.js';

interface ChatClientOptions {
  /** Send `prompt_cache_key` (OpenAI's own endpoint understands it). */
  sendPromptCacheKey: boolean;
}

async function* refused(message: string): AsyncGenerator<ModelEvent> {
  yield { type: 'failed', error: { kind: 'invalid_request', message, retryable: false } };
}

export class ChatCompletionsClient implements ModelClient {
  constructor(
    private readonly endpoint: HttpEndpoint,
    private readonly options: ChatClientOptions = { sendPromptCacheKey: false },
  ) {}

  requestBody(request: ModelRequest): { wire: 'chat'; body: Record<string, unknown> } {
    return {
      wire: 'chat',
      body: chatRequestBody(request, { promptCacheKey: this.options.sendPromptCacheKey }),
    };
  }

  stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    const body = this.requestBody(request).body;
    // A combination the provider is known to refuse is never sent; the user is told what to change.
    const conflict = chatReasoningConflict(
      request.model,
      body.reasoning_effort as string | undefined,
      Array.isArray(body.tools) && body.tools.length > 0,
    );
    if (conflict) return refused(conflict);
    const maxInput = this.endpoint.maxToolInputBytes ?? DEFAULT_MAX_TOOL_INPUT_BYTES;
    const translator = new ChatStreamTranslator(maxInput);
    return streamAttempt({
      signal,
      endpoint: this.endpoint,
      // Sent as the SDK would send it (http-post.ts); the stream is read by sse.ts (linear, one event bounded).
      open: async (attemptSignal) => {
        const bytes = [Buffer.from(JSON.stringify(body))];
        const response = await postStream(this.endpoint, '/chat/completions', bytes, attemptSignal);
        return responseEvents(response, maxEventChars(maxInput));
      },
      push: (raw) => translator.push(raw),
      // Chat completions end when the stream does (the usage chunk follows the finish reason),
      // unless a chunk could not be used at all.
      finished: () => translator.finished,
      end: () => translator.finish(),
    });
  }
}
