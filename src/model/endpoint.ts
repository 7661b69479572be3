/** Where a wire client sends requests. */
import type { ErrorContext } from './errors.js';

export interface HttpEndpoint {
  /** e.g. `https://api.openai.com/v1` */
  baseURL: string;
  apiKey: string | undefined;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Abort the attempt when no event arrives for this long. */
  idleTimeoutMs: number;
  errorContext: ErrorContext;
  /**
   * `tool_arguments_max_bytes`: a streamed tool call with more input is not kept (see
   * oversized-calls.ts); default DEFAULT_MAX_TOOL_INPUT_BYTES.
   */
  maxToolInputBytes?: number;
  /**
   * `supports_websockets`: Responses requests go over one persistent WebSocket connection per
   * thread (responses-ws-client.ts), HTTP being the fallback.
   */
  supportsWebsockets?: boolean;
  /** `websocket_connect_timeout_ms`: how long the WebSocket handshake may take. */
  websocketConnectTimeoutMs?: number;
}
