/**
 * HTTP to the media provider: JSON requests with the provider's key and headers, waits that honour
 * `Retry-After` (and `retry-after-ms`), and downloads that go only to the provider's hosts.
 *
 * A request is retried only when the provider said it did not take it (429, 503): a submission that
 * may have reached the provider (a dropped connection, a timeout, another error) is never sent again
 * — the caller reports the outcome as unknown instead (at most once).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface MediaEndpoint {
  /** The provider's base URL, without a trailing slash (`https://api.example.com/v1`). */
  baseURL: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Hosts (`host` or `host:port`) assets may be downloaded from: the provider's, and configured ones. */
  downloadHosts: string[];
}

export class MediaHttpError extends Error {
  override name = 'MediaHttpError';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** The provider may have received and acted on the request (no answer came back). */
    readonly outcomeUnknown: boolean,
  ) {
    super(message);
  }
}

/** Connection errors that mean the request never left (so it was not received). */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Most a single Retry-After wait may last; a longer one fails the request instead. */
const MAX_RETRY_AFTER_MS = 120_000;

/** Milliseconds a response asks to wait (`retry-after-ms`, `retry-after` in seconds or as a date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errorMessage(status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const message =
      typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (message) return `HTTP ${status}: ${message}`;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return `HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`;
}

function endpointUrl(endpoint: MediaEndpoint, relative: string): string {
  const url = new URL(`${endpoint.baseURL}/${relative.replace(/^\/+/, '')}`);
  for (const [key, value] of Object.entries(endpoint.query)) url.searchParams.set(key, value);
  return url.toString();
}

export interface RequestOptions {
  signal: AbortSignal;
  /** Sent as `Idempotency-Key`, so a provider that honours it drops a duplicate. */
  idempotencyKey?: string;
  /** How many 429/503 answers to wait out (default 4). */
  maxRetries?: number;
  /** Told before each wait (for the user). */
  onRetry?: (waitMs: number, status: number) => void;
}

/** Sends a JSON request; resolves the parsed JSON body of a 2xx answer, else throws MediaHttpError. */
export async function requestJson(
  endpoint: MediaEndpoint,
  method: 'GET' | 'POST',
  relative: string,
  body: unknown,
  options: RequestOptions,
): Promise<unknown> {
  const url = endpointUrl(endpoint, relative);
  const maxRetries = options.maxRetries ?? 4;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...endpoint.headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal.aborted) throw new MediaHttpError('interrupted', undefined, method === 'POST');
      // Nothing reached the provider when no connection could be made; otherwise it may have.
      const code = (err as { cause?: { code?: unknown } }).cause?.code;
      const neverSent = typeof code === 'string' && NOT_CONNECTED.has(code);
      throw new MediaHttpError(
        `the request to ${new URL(url).host} failed: ${(err as Error).message}${typeof code === 'string' ? ` (${code})` : ''}`,
        undefined,
        method === 'POST' && !neverSent,
      );
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        throw new MediaHttpError(
          `the provider's answer is not JSON: ${text.slice(0, 200)}`,
          response.status,
          false,
        );
      }
    }
    const wait = retryAfterMs(response.headers);
    const retryable = response.status === 429 || response.status === 503;
    if (!retryable || attempt >= maxRetries || (wait ?? 0) > MAX_RETRY_AFTER_MS)
      throw new MediaHttpError(errorMessage(response.status, text), response.status, false);
    const delay = wait ?? Math.min(1000 * 2 ** attempt, 30_000);
    options.onRetry?.(delay, response.status);
    // An interrupt ends the wait early (AbortError); it is said just below.
    await sleep(delay, undefined, { signal: options.signal }).catch((err: Error) => {
      if (err.name !== 'AbortError') throw err;
    });
    if (options.signal.aborted) throw new MediaHttpError('interrupted', undefined, false);
  }
}

/** Whether `url` may be downloaded: http(s) on one of the endpoint's download hosts. */
function downloadAllowed(endpoint: MediaEndpoint, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    if (err instanceof TypeError) return false;
    throw err;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (parsed.username || parsed.password) return false;
  return endpoint.downloadHosts.some((host) => host === parsed.host || host === parsed.hostname);
}

/** Downloads `url` (following redirects only within the allowed hosts), at most `maxBytes`. */
export async function download(
  endpoint: MediaEndpoint,
  url: string,
  options: { signal: AbortSignal; maxBytes: number },
): Promise<{ bytes: Buffer; contentType: string }> {
  let current = url;
  for (let hops = 0; hops < 4; hops++) {
    if (!downloadAllowed(endpoint, current))
      throw new MediaHttpError(
        `refused to download ${current}: only the provider's hosts (${endpoint.downloadHosts.join(', ')}) are allowed`,
        undefined,
        false,
      );
    const sameOrigin = new URL(current).origin === new URL(endpoint.baseURL).origin;
    let response: Response;
    try {
      response = await fetch(current, {
        redirect: 'manual',
        signal: options.signal,
        // The key goes only to the provider's own origin, never to a CDN.
        ...(sameOrigin ? { headers: endpoint.headers } : {}),
      });
    } catch (err) {
      throw new MediaHttpError(`downloading ${current} failed: ${(err as Error).message}`, undefined, false);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok)
      throw new MediaHttpError(
        `downloading ${current} failed: HTTP ${response.status}`,
        response.status,
        false,
      );
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > options.maxBytes)
      throw new MediaHttpError(`${current} is larger than ${options.maxBytes} bytes`, response.status, false);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > options.maxBytes)
      throw new MediaHttpError(`${current} is larger than ${options.maxBytes} bytes`, response.status, false);
    return { bytes, contentType: response.headers.get('content-type') ?? '' };
  }
  throw new MediaHttpError(`too many redirects downloading ${url}`, undefined, false);
}
