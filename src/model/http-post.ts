/**
 * The streamed POST both wire clients send (`/responses`, `/chat/completions`), over node:http(s).
 *
 * Why not through the SDK: the SDK calls Node's `fetch`, and Node loads fetch (undici) on its first
 * use — about 45 ms of every process's way to its first request, and ~12 MB of memory for the rest of
 * its life (issue 18: launch → first request, peak RSS); fetch also copies every request body before
 * sending it. This sends the body the client built (body-encoder.ts) as it is, with the headers the
 * SDK would send for the endpoint (its key, `http_headers`, `query_params`, OPENAI_ORG_ID /
 * OPENAI_PROJECT_ID), and fails with the SDK's own error classes, built as the SDK builds them, so
 * errors.ts classifies a failure here exactly as one from the SDK. The SDK still serves the rest
 * (remote compaction, listing models).
 */
import http, {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { createRequire } from 'node:module';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai/core/error';
import type { HttpEndpoint } from './endpoint.js';

export interface StreamedResponse {
  /** The response body as it arrives. */
  body: AsyncIterable<Uint8Array>;
  /** The response headers as the SDK's errors hold them (made only when an error needs them). */
  headers(): Headers;
}

/** `baseURL` + `path`, with the endpoint's query parameters (as the SDK joins them). */
function requestUrl(endpoint: HttpEndpoint, path: string): URL {
  const base = endpoint.baseURL.endsWith('/') ? endpoint.baseURL.slice(0, -1) : endpoint.baseURL;
  const url = new URL(base + path);
  for (const [key, value] of Object.entries(endpoint.query ?? {})) url.searchParams.set(key, value);
  return url;
}

/** The request headers; a configured header replaces the default of the same name, whatever its case. */
function requestHeaders(
  endpoint: HttpEndpoint,
  bodyBytes: number,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
    'content-length': String(bodyBytes),
    'user-agent': `spool (node ${process.version})`,
  };
  if (endpoint.apiKey !== undefined) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const organization = env.OPENAI_ORG_ID?.trim();
  const project = env.OPENAI_PROJECT_ID?.trim();
  if (organization) headers['openai-organization'] = organization;
  if (project) headers['openai-project'] = project;
  for (const [name, value] of Object.entries(endpoint.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

function webHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) out.append(name, one);
  }
  return out;
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function* bodyOf(
  response: IncomingMessage,
  early: () => Error | undefined,
): AsyncGenerator<Uint8Array> {
  const failed = early();
  if (failed) throw failed;
  for await (const chunk of response) yield chunk as Buffer;
}

/** What the SDK throws for an unsuccessful status: the body as JSON when it is, else as text. */
function statusError(status: number, text: string, headers: Headers): APIError {
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return APIError.generate(status, json, json ? undefined : text, headers);
}

/**
 * POSTs `body` (its chunks in order, written together) to `path` and resolves when the response
 * headers arrive with a 2xx status. Rejects with the SDK's errors: APIUserAbortError when `signal` aborted it, APIConnectionError when the
 * connection failed, the status's APIError (with the server's error body) otherwise.
 */
export async function postStream(
  endpoint: HttpEndpoint,
  path: string,
  body: readonly Buffer[],
  signal: AbortSignal,
): Promise<StreamedResponse> {
  const length = body.reduce((sum, chunk) => sum + chunk.length, 0);
  const url = requestUrl(endpoint, path);
  // https (and TLS) is loaded only by a process that talks to an https endpoint.
  const transport: Pick<typeof http, 'request'> =
    url.protocol === 'https:'
      ? (createRequire(import.meta.url)('node:https') as typeof import('node:https'))
      : http;
  const options: RequestOptions = { method: 'POST', headers: requestHeaders(endpoint, length) };
  if (signal.aborted) throw new APIUserAbortError();
  return new Promise((resolve, reject) => {
    let request: ClientRequest;
    const failed = (err: unknown) =>
      reject(
        signal.aborted
          ? new APIUserAbortError()
          : new APIConnectionError({ message: 'Connection error.', cause: err as Error }),
      );
    try {
      request = transport.request(url, options, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // An abort or a dropped connection before the reader starts (or after it stopped) errors
          // the response while no reader listens, which would throw at the process: the error is
          // kept here and given to the reader when it reads.
          let early: Error | undefined;
          response.on('error', (err) => {
            early ??= err;
          });
          resolve({ body: bodyOf(response, () => early), headers: () => webHeaders(response.headers) });
          return;
        }
        readText(response).then(
          (text) => reject(statusError(status, text, webHeaders(response.headers))),
          failed,
        );
      });
    } catch (err) {
      failed(err);
      return;
    }
    request.on('error', failed);
    // An abort ends this exchange only while it lasts. (Not the request's `signal` option: Node
    // keeps that listener after the response ends, when the connection serves another request
    // from the pool, and an abort then destroyed that request's connection, throwing at the process.)
    const abort = () => request.destroy();
    signal.addEventListener('abort', abort, { once: true });
    request.on('close', () => signal.removeEventListener('abort', abort));
    request.cork();
    for (const chunk of body) request.write(chunk);
    request.end();
  });
}
