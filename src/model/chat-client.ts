/**
 * The Chat Completions client, on the official `openai` SDK, for servers that speak only
 * `/chat/completions` (local servers, many hosted platforms). Same contract as the Responses client:
 * one attempt per call, never throws, failures are terminal events.
 */
import type OpenAI from 'openai';
import { ChatStreamTranslator } from './chat-events.js';
import { chatRequestBody } from './chat-request.js';
import { classifyException } from './errors.js';
import { type HttpEndpoint, idleWatch, sdkClient } from './responses-client.js';
import type { ModelClient, ModelEvent, ModelRequest } from './types.js';

export interface ChatClientOptions {
  /** Send `prompt_cache_key` (OpenAI's own endpoint understands it). */
  sendPromptCacheKey: boolean;
}

export class ChatCompletionsClient implements ModelClient {
  private readonly client: OpenAI;

  constructor(
    private readonly endpoint: HttpEndpoint,
    private readonly options: ChatClientOptions = { sendPromptCacheKey: false },
  ) {
    this.client = sdkClient(endpoint);
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
    const idle = idleWatch(signal, this.endpoint.idleTimeoutMs);
    const translator = new ChatStreamTranslator();
    const failure = (err: unknown, phase: 'request' | 'stream'): ModelEvent => ({
      type: 'failed',
      error:
        idle.stopReason(this.endpoint.idleTimeoutMs) ??
        classifyException(err, this.endpoint.errorContext, phase),
    });
    try {
      let chunks: AsyncIterable<unknown>;
      try {
        const body = chatRequestBody(request, { promptCacheKey: this.options.sendPromptCacheKey });
        chunks = await this.client.chat.completions.create(
          body as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming,
          { signal: idle.signal },
        );
      } catch (err) {
        yield failure(err, 'request');
        return;
      }
      try {
        for await (const chunk of chunks) {
          idle.touch();
          for (const event of translator.push(chunk)) yield event;
        }
      } catch (err) {
        yield failure(err, 'stream');
        return;
      }
      const stopped = idle.stopReason(this.endpoint.idleTimeoutMs);
      if (stopped) {
        yield { type: 'failed', error: stopped };
        return;
      }
      for (const event of translator.finish()) yield event;
    } finally {
      idle.dispose();
    }
  }
}
