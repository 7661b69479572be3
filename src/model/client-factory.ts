/** Picks the wire client for a runtime's provider. */
import { ChatCompletionsClient } from './chat-client.js';
import type { HttpEndpoint } from './endpoint.js';
import { ResponsesClient } from './responses-client.js';
import { ResponsesWsClient } from './responses-ws-client.js';
import type { ModelClient } from './types.js';

/** Where and how to reach a provider (a resolved configuration satisfies it). */
interface ProviderTarget {
  endpoint: HttpEndpoint;
  wireApi: 'responses' | 'chat';
  /** `openai` also gets `prompt_cache_key` on Chat Completions. */
  providerId: string;
}

export function createModelClient(runtime: ProviderTarget): ModelClient {
  switch (runtime.wireApi) {
    case 'responses': {
      if (!runtime.endpoint.supportsWebsockets) return new ResponsesClient(runtime.endpoint);
      // The handshake overlaps the thread's start (its context, its session log).
      const client = new ResponsesWsClient(runtime.endpoint);
      client.preconnect();
      return client;
    }
    case 'chat':
      return new ChatCompletionsClient(runtime.endpoint, {
        sendPromptCacheKey: runtime.providerId === 'openai',
      });
  }
}
