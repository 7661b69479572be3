/**
 * The worker's model-request gate: a small HTTP proxy on loopback that each job's session is
 * pointed at (`-c model_providers.<id>.base_url=…`). Every request waits for the fleet-wide rate
 * limiter, then goes to the provider unchanged (streams included); a 429 carrying a delay pauses the
 * provider for the whole fleet and rate-limits the queue (no worker takes a new job meanwhile). The
 * 429 itself goes back to the session, whose own retry honours the delay.
 *
 * Routes are per job and unguessable (`/r/<random>/…`), so the proxy relays only to the providers
 * the worker's jobs use; it listens on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServerDelayMs } from '../model/retry.js';
import type { FleetRateLimiter } from './rate-limit.js';

/** A 429 without a usable delay still pauses the fleet this long. */
const DEFAULT_429_PAUSE_MS = 1_000;

interface Route {
  provider: string;
  upstream: URL;
}

export interface ProviderProxy {
  /** A base URL for a session's provider that goes through the gate; `release` when the job ends. */
  route(provider: string, upstreamBaseUrl: string): { baseUrl: string; release: () => void };
  close(): Promise<void>;
}

export interface ProxyEvents {
  /** A provider answered 429: the fleet is paused for `ms`. */
  onRateLimited?: (provider: string, ms: number) => void;
  onError?: (message: string) => void;
}

const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
]);

function forwardHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (!HOP_HEADERS.has(name) && value !== undefined) out[name] = value;
  return out;
}

function jsonError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'spool_fleet_gate', code: null, param: null } }));
}

export async function startProviderProxy(
  limiter: FleetRateLimiter,
  events: ProxyEvents = {},
): Promise<ProviderProxy> {
  const routes = new Map<string, Route>();

  async function gate(provider: string, aborted: AbortSignal): Promise<boolean> {
    for (;;) {
      if (aborted.aborted) return false;
      const waitMs = await limiter.tryAcquire(provider);
      if (waitMs <= 0) return true;
      await sleep(Math.min(waitMs, 5_000), undefined, { signal: aborted }).catch((err: Error) => {
        // The session gave up on the request while it waited: nothing to send.
        if (err.name !== 'AbortError') throw err;
      });
    }
  }

  const server = http.createServer((req, res) => {
    const match = /^\/r\/([A-Za-z0-9_-]+)(\/.*)?$/.exec(req.url ?? '');
    const route = match ? routes.get(match[1] as string) : undefined;
    if (!match || !route) {
      jsonError(res, 404, 'unknown route');
      return;
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const rest = match[2] ?? '';
    const base = route.upstream.href.replace(/\/+$/, '');
    const target = new URL(`${base}${rest}`);
    void gate(route.provider, abort.signal)
      .then((go) => {
        if (!go) return;
        const send = target.protocol === 'https:' ? https.request : http.request;
        const upstream = send(
          target,
          { method: req.method, headers: forwardHeaders(req.headers), signal: abort.signal },
          (answer) => {
            if (answer.statusCode === 429) {
              const headers = { get: (name: string) => [answer.headers[name]].flat()[0] ?? null };
              const ms = parseServerDelayMs(headers, undefined) ?? DEFAULT_429_PAUSE_MS;
              void limiter
                .pause(route.provider, ms)
                .then((extended) => extended && events.onRateLimited?.(route.provider, ms))
                .catch((err: Error) => events.onError?.(`cannot pause ${route.provider}: ${err.message}`));
            }
            res.writeHead(answer.statusCode ?? 502, forwardHeaders(answer.headers));
            answer.pipe(res);
          },
        );
        upstream.on('error', (err) => {
          if (!abort.signal.aborted) jsonError(res, 502, `the provider could not be reached: ${err.message}`);
        });
        req.pipe(upstream);
      })
      .catch((err: Error) => {
        events.onError?.(`rate limiter: ${err.message}`);
        jsonError(res, 503, `the fleet's rate limiter is unavailable: ${err.message}`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    route(provider, upstreamBaseUrl) {
      const id = randomBytes(12).toString('base64url');
      routes.set(id, { provider, upstream: new URL(upstreamBaseUrl) });
      return { baseUrl: `http://127.0.0.1:${port}/r/${id}`, release: () => routes.delete(id) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
