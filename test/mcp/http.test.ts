/**
 * Streamable HTTP servers: server-everything in its HTTP mode behind a recording proxy (to see the
 * headers Spool sends), and a server that goes away and comes back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EVERYTHING_BIN, ManagerPool, signal, textOf } from './helpers.js';

const pool = new ManagerPool();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await pool.closeAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startEverythingHttp(port: number): Promise<ChildProcess> {
  const child = spawn(EVERYTHING_BIN, ['streamableHttp'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('listening on port')) resolve();
    });
    child.once('exit', () => reject(new Error(`server-everything exited: ${seen}`)));
  });
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Forwards to `target`, recording each request's headers. */
async function recordingProxy(target: number): Promise<{ url: string; headers: http.IncomingHttpHeaders[] }> {
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    headers.push(req.headers);
    const upstream = http.request(
      { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, headers };
}

describe('streamable HTTP MCP servers', () => {
  it('are called with the configured headers and bearer token', async () => {
    const port = await freePort();
    const child = await startEverythingHttp(port);
    cleanups.push(() => stop(child));
    const proxy = await recordingProxy(port);
    const { manager } = pool.start(
      {
        remote: {
          url: proxy.url,
          bearer_token_env_var: 'SPOOL_TEST_MCP_TOKEN',
          http_headers: { 'X-Spool-Test': 'yes' },
        },
      },
      { ...process.env, SPOOL_TEST_MCP_TOKEN: 'tok-123' },
    );
    await manager.settled();
    expect(manager.status()[0]).toMatchObject({ state: 'ready' });
    expect(manager.snapshot().tools.map((t) => t.name)).toContain('mcp__remote__get-sum');
    const result = await manager.callTool('remote', 'get-sum', { a: 2, b: 3 }, signal());
    expect(textOf(result)).toBe('The sum of 2 and 3 is 5.');
    const posts = proxy.headers.filter((h) => h['content-type']?.includes('json'));
    expect(posts.length).toBeGreaterThan(0);
    for (const h of posts) {
      expect(h.authorization).toBe('Bearer tok-123');
      expect(h['x-spool-test']).toBe('yes');
    }
  });

  it('reconnect on the next call after the server went away and came back', async () => {
    const port = await freePort();
    let child = await startEverythingHttp(port);
    cleanups.push(() => stop(child));
    const { manager } = pool.start({ remote: { url: `http://127.0.0.1:${port}/mcp`, tool_timeout_sec: 5 } });
    await manager.settled();
    expect(textOf(await manager.callTool('remote', 'echo', { message: 'one' }, signal()))).toBe('Echo: one');

    await stop(child);
    const failed = await manager
      .callTool('remote', 'echo', { message: 'two' }, signal())
      .catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toBe(
      'Calling "echo" on MCP server "remote" failed: fetch failed. The connection will be reopened on the next call.',
    );

    child = await startEverythingHttp(port);
    expect(textOf(await manager.callTool('remote', 'echo', { message: 'three' }, signal()))).toBe(
      'Echo: three',
    );
    expect(manager.status()[0]!.starts).toBe(2);
  });
});
