/**
 * Turning whatever went wrong (SDK errors, HTTP statuses, in-stream error events) into a `ModelError`
 * the loop can act on: a kind, a message a person can act on, and whether a retry can help.
 */
import { APIConnectionError, APIError, APIUserAbortError } from 'openai/core/error';
import { parseServerDelayMs } from './retry.js';
import type { ModelError, ModelErrorKind } from './types.js';

export interface ErrorContext {
  /** The environment variable the key came from, named in authentication errors. */
  apiKeyEnvVar: string;
  /** Human name of the provider, for messages ("OpenAI", "Azure", …). */
  providerName: string;
  /** The URL requests go to, and the setting that changes it: named when it cannot be reached. */
  baseURL?: string;
  baseUrlSetting?: string;
}

/** What the system error codes of a failed connection mean, in words. */
const ERRNO_MEANING: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing is listening there',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host',
};

/** The first system error code (`ECONNREFUSED`, …) in an error's chain of causes. */
function errnoOf(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

/** "could not reach URL (ECONNREFUSED: …); check … or change SETTING", as far as it is known. */
function connectionDetail(err: unknown, fallback: string, ctx: ErrorContext): string {
  const code = errnoOf(err);
  const where = ctx.baseURL ? `could not reach ${ctx.baseURL}` : fallback;
  const why = code ? ` (${code}${ERRNO_MEANING[code] ? `: ${ERRNO_MEANING[code]}` : ''})` : ` (${fallback})`;
  const setting = ctx.baseUrlSetting ? `; check the server, or set the URL with ${ctx.baseUrlSetting}` : '';
  return `${where}${why}${setting}`;
}

/** Error codes OpenAI sends (HTTP bodies, `response.failed`, `error` events) that no retry can fix. */
const FATAL_CODES: Record<string, ModelErrorKind> = {
  context_length_exceeded: 'context_length_exceeded',
  insufficient_quota: 'quota',
  invalid_prompt: 'invalid_request',
  invalid_api_key: 'auth',
  model_not_found: 'invalid_request',
  invalid_request_error: 'invalid_request',
};

function serverMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  return err.message.replace(/^\d{3}\s*/, '') || 'no details';
}

function authMessage(ctx: ErrorContext, status: number | undefined, detail: string): string {
  const code = status ? ` (HTTP ${status})` : '';
  return `${ctx.providerName} rejected the API key${code}: ${detail}. Check ${ctx.apiKeyEnvVar}.`;
}

/**
 * The window size a context-length refusal names ("maximum context length is 8192 tokens",
 * "context window of 8192 tokens", "prompt is too long: 9000 tokens > 8192 maximum"), if any.
 */
export function windowNamedIn(message: string): number | undefined {
  const match =
    /maximum context length is ([\d,]+)/i.exec(message) ??
    /context (?:window|length) (?:of|is) ([\d,]+)/i.exec(message) ??
    />\s*([\d,]+)\s*maximum/i.exec(message);
  const value = match ? Number(match[1]!.replace(/,/g, '')) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Classifies an error code from a JSON error object or a `response.failed` event. */
export function classifyErrorCode(
  code: string | null | undefined,
  message: string,
  ctx: ErrorContext,
  status?: number,
): ModelError {
  const fatal = code ? FATAL_CODES[code] : undefined;
  if (fatal === 'auth')
    return { kind: 'auth', message: authMessage(ctx, status, message), retryable: false, status };
  if (fatal === 'context_length_exceeded') {
    const contextWindow = windowNamedIn(message);
    return {
      kind: fatal,
      message: `Context window exceeded: ${message}`,
      retryable: false,
      status,
      ...(contextWindow !== undefined ? { contextWindow } : {}),
    };
  }
  if (fatal === 'quota') {
    return { kind: fatal, message: `Quota exceeded: ${message}`, retryable: false, status };
  }
  if (fatal) return { kind: fatal, message, retryable: false, status };
  if (code === 'rate_limit_exceeded') {
    const retryAfterMs = parseServerDelayMs(undefined, message);
    return { kind: 'rate_limit', message: `Rate limited: ${message}`, retryable: true, retryAfterMs, status };
  }
  return { kind: 'server', message: code ? `${message} (${code})` : message, retryable: true, status };
}

/**
 * Classifies an exception from the SDK or the transport. `phase` says whether the response had
 * started streaming: a transport error then means the stream broke, not that the request failed.
 */
export function classifyException(
  err: unknown,
  ctx: ErrorContext,
  phase: 'request' | 'stream' = 'request',
): ModelError {
  if (err instanceof APIUserAbortError)
    return { kind: 'aborted', message: 'Request aborted', retryable: false };
  if (err instanceof APIConnectionError) {
    // The innermost cause says most ("bad port" under "fetch failed").
    let innermost: unknown = err.cause;
    while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause;
    const cause = (innermost as Error | undefined)?.message;
    const detail = cause && cause !== err.message ? `${err.message} (${cause})` : err.message;
    if (phase === 'stream') {
      return {
        kind: 'stream_closed',
        message: `stream disconnected before completion: ${detail}`,
        retryable: true,
      };
    }
    return {
      kind: 'network',
      message: `Connection failed: ${connectionDetail(err, detail, ctx)}`,
      retryable: true,
    };
  }
  if (err instanceof APIError) {
    const status = err.status;
    const detail = serverMessage(err);
    const code = err.code ?? undefined;
    if (status === 401 || status === 403) {
      return { kind: 'auth', message: authMessage(ctx, status, detail), retryable: false, status };
    }
    if (status === 429) {
      if (code === 'insufficient_quota') return classifyErrorCode(code, detail, ctx, status);
      const retryAfterMs = parseServerDelayMs(err.headers, detail);
      return {
        kind: 'rate_limit',
        message: `Rate limited (HTTP 429): ${detail}`,
        retryable: true,
        retryAfterMs,
        status,
      };
    }
    if (status !== undefined && status >= 500) {
      const retryAfterMs = parseServerDelayMs(err.headers, detail);
      return {
        kind: 'server',
        message: `Server error (HTTP ${status}): ${detail}`,
        retryable: true,
        retryAfterMs,
        status,
      };
    }
    if (status === 408 || status === 409) {
      return { kind: 'server', message: `HTTP ${status}: ${detail}`, retryable: true, status };
    }
    if (status !== undefined) {
      if (code && FATAL_CODES[code]) return classifyErrorCode(code, detail, ctx, status);
      return {
        kind: 'invalid_request',
        message: `Request rejected (HTTP ${status}): ${detail}`,
        retryable: false,
        status,
      };
    }
    // An in-stream error (no HTTP status): the SDK throws these for `data: {"error": …}` payloads.
    return classifyErrorCode(code, detail, ctx);
  }
  if (err instanceof SyntaxError) {
    return {
      kind: 'bad_response',
      message: `Malformed event from the model server: ${err.message}`,
      retryable: true,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (phase === 'stream') {
    return {
      kind: 'stream_closed',
      message: `stream disconnected before completion: ${message}`,
      retryable: true,
    };
  }
  return { kind: 'network', message: `Connection failed: ${message}`, retryable: true };
}
