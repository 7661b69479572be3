/**
 * `spool queue dashboard`: Bull Board (the BullMQ dashboard) for the fleet's queue, served with
 * Express. On loopback by default; bound to any other address it requires a bearer token
 * (`Authorization: Bearer …`, or once as `?token=…`, which sets an HttpOnly cookie so the board's
 * own requests carry it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import { FleetError } from './queue.js';

const COOKIE = 'spool_dashboard_token';

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function requireToken(token: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (tokenMatches(bearer, token) || tokenMatches(cookieValue(req.get('cookie'), COOKIE), token)) {
      next();
      return;
    }
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (tokenMatches(query, token)) {
      res.cookie(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      const url = new URL(req.originalUrl, 'http://dashboard');
      url.searchParams.delete('token');
      res.redirect(303, `${url.pathname}${url.search}`);
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .type('text/plain')
      .send('401: a bearer token is required\n');
  };
}

export interface DashboardOptions {
  queue: Queue;
  host: string;
  port: number;
  /** Required when `host` is not a loopback address. */
  token?: string;
  readOnly?: boolean;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if (!options.token && !isLoopbackHost(options.host)) {
    throw new FleetError(
      `refusing to serve the dashboard on ${options.host} without a token: set SPOOL_DASHBOARD_TOKEN or pass --token-file (or bind to 127.0.0.1)`,
    );
  }
  const board = new ExpressAdapter();
  board.setBasePath('/');
  createBullBoard({
    queues: [new BullMQAdapter(options.queue, { readOnlyMode: options.readOnly ?? false })],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Spool fleet' } },
  });
  const app = express();
  app.disable('x-powered-by');
  if (options.token) app.use(requireToken(options.token));
  app.use('/', board.getRouter());
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host, (err?: Error) =>
      err ? reject(err) : resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
