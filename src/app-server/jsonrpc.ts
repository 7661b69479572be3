/**
 * JSON-RPC 2.0 as Codex's app-server speaks it: the `"jsonrpc"` member is optional on input and
 * omitted on output; ids are strings or integers; no batches.
 */

export type RequestId = string | number;

/** Error codes: JSON-RPC's own, and Codex's "overloaded" (-32001, retryable). */
export const ErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  overloaded: -32001,
} as const;

/** An error a method handler throws to answer with a JSON-RPC error. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const invalidRequest = (message: string) => new RpcError(ErrorCode.invalidRequest, message);
export const invalidParams = (message: string) => new RpcError(ErrorCode.invalidParams, message);

export interface ErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type Incoming =
  | { kind: 'request'; id: RequestId; method: string; params: unknown }
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'response'; id: RequestId; result: unknown }
  | { kind: 'errorResponse'; id: RequestId; error: ErrorObject }
  /** Not a message we can act on; answer with `error` (to `id` when it could be read). */
  | { kind: 'invalid'; id: RequestId | null; error: RpcError };

function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Reads one message. Never throws. */
export function parseIncoming(text: string): Incoming {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      kind: 'invalid',
      id: null,
      error: new RpcError(ErrorCode.parseError, `Parse error: ${(err as Error).message}`),
    };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const why = Array.isArray(raw) ? 'batch requests are not supported' : `got ${describe(raw)}`;
    return {
      kind: 'invalid',
      id: null,
      error: invalidRequest(`Invalid request: a message must be a JSON object (${why})`),
    };
  }
  const message = raw as Record<string, unknown>;
  const id = isRequestId(message.id) ? message.id : null;
  const invalid = (why: string): Incoming => ({
    kind: 'invalid',
    id,
    error: invalidRequest(`Invalid request: ${why}`),
  });
  if ('jsonrpc' in message && message.jsonrpc !== '2.0')
    return invalid('"jsonrpc" must be "2.0" when present');
  if ('id' in message && !isRequestId(message.id))
    return invalid(`"id" must be a string or an integer, not ${describe(message.id)}`);
  if ('method' in message) {
    if (typeof message.method !== 'string' || message.method === '')
      return invalid(`"method" must be a non-empty string, not ${describe(message.method)}`);
    if (id === null) return { kind: 'notification', method: message.method, params: message.params };
    return { kind: 'request', id, method: message.method, params: message.params };
  }
  if (id !== null && 'result' in message) return { kind: 'response', id, result: message.result };
  if (id !== null && 'error' in message) {
    const error = message.error as Partial<ErrorObject> | null;
    if (
      error &&
      typeof error === 'object' &&
      typeof error.code === 'number' &&
      typeof error.message === 'string'
    )
      return { kind: 'errorResponse', id, error: error as ErrorObject };
    return invalid('"error" must be an object with a numeric "code" and a string "message"');
  }
  return invalid('a message needs "method" (request or notification) or "id" with "result" or "error"');
}

export function errorObject(err: unknown): ErrorObject {
  if (err instanceof RpcError)
    return { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.internalError, message: `Internal error: ${message}` };
}
