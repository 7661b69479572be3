/** Picks the wire client for a runtime's provider. */
import { ChatCompletionsClient } from './chat-client.js';
import type { HttpEndpoint } from './endpoint.js';
import { ResponsesClient } from './responses-client.js';
import { ResponsesWsClient } from './responses-ws-client.js';
import type { ModelClient } from './types.js';

/** Where and how to reach a provider (a resolved configuration satisfies it). */
export interface ProviderTarget {
  endpoint: HttpEndpoint;
  wireApi: 'responses' | 'chat';
  /** `openai` also gets `prompt_cache_key` on Chat Completions. */
  providerId: string;
}

export function createModelClient(runtime: ProviderTarget): ModelClient {
  switch (runtime.wireApi) {
    case 'responses':
      return runtime.endpoint.supportsWebsockets
        ? new ResponsesWsClient(runtime.endpoint)
        : new ResponsesClient(runtime.endpoint);
    case 'chat':
      return new ChatCompletionsClient(runtime.endpoint, {
        sendPromptCacheKey: runtime.providerId === 'openai',
      });
  }
}
