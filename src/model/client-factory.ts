/** Picks the wire client for a runtime's provider. */
import type { Runtime } from '../config/runtime.js';
import { ChatCompletionsClient } from './chat-client.js';
import { ResponsesClient } from './responses-client.js';
import type { ModelClient } from './types.js';

export function createModelClient(
  runtime: Pick<Runtime, 'endpoint' | 'wireApi' | 'providerId'>,
): ModelClient {
  switch (runtime.wireApi) {
    case 'responses':
      return new ResponsesClient(runtime.endpoint);
    case 'chat':
      return new ChatCompletionsClient(runtime.endpoint, {
        sendPromptCacheKey: runtime.providerId === 'openai',
      });
  }
}
