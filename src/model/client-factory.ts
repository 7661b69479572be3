/** Picks the wire client for a runtime's provider. */
import type { Runtime } from '../config/runtime.js';
import { ResponsesClient } from './responses-client.js';
import type { ModelClient } from './types.js';

export function createModelClient(runtime: Pick<Runtime, 'endpoint' | 'wireApi'>): ModelClient {
  switch (runtime.wireApi) {
    case 'responses':
      return new ResponsesClient(runtime.endpoint);
    case 'chat':
      throw new Error('the chat wire is not available yet');
  }
}
