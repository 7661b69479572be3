/**
 * The official SDK's client for an endpoint: for the few calls that go through it (remote compaction,
 * the model list). Apart from endpoint.ts so that streaming a turn never loads the SDK (~150 modules):
 * its requests go by http-post.ts.
 */
import OpenAI from 'openai';
import type { HttpEndpoint } from './endpoint.js';

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
