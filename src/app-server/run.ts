/**
 * `spool app-server`: serves the protocol on stdio (default) or on a WebSocket listener until the
 * client goes away (stdio) or the process is told to stop (SIGINT/SIGTERM, or `signal`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { spoolHome } from '../config/home.js';
import { AppServer, type AppServerOptions } from './server.js';
import { serveStreams } from './stdio-transport.js';
import { listenWebSocket, type WebSocketListener } from './ws-transport.js';

/** The variable `--listen ws://…` reads its bearer token from when no token file is given. */
const TOKEN_ENV = 'SPOOL_APP_SERVER_TOKEN';

interface RunAppServerOptions extends AppServerOptions {
  /** `stdio://` (default) or `ws://HOST:PORT` (PORT 0 picks one). */
  listen?: string;
  /** WebSocket: a file holding the bearer token (first line, trimmed). */
  wsTokenFile?: string;
  /** WebSocket: the variable holding the token (default SPOOL_APP_SERVER_TOKEN), read from `env`. */
  wsTokenEnv?: string;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Stops the server (besides SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once listening (the WebSocket URL, or `stdio://`). */
  onListening?: (url: string) => void;
}

const EXIT = { ok: 0, usage: 2 } as const;

type ListenTarget = { kind: 'stdio' } | { kind: 'ws'; host: string; port: number };

function parseListen(value: string): ListenTarget {
  if (value === 'stdio://' || value === 'stdio') return { kind: 'stdio' };
  const match = /^ws:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(value);
  if (!match) throw new Error(`--listen takes stdio:// or ws://HOST:PORT, not ${JSON.stringify(value)}`);
  const port = Number(match[2]);
  if (port > 65535) throw new Error(`--listen: ${port} is not a port`);
  return { kind: 'ws', host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Where a token file may live: inside Spool's home, which no sandbox can read (commands cannot
 * `cat` it and hand it back to the model, which could then reach this server and ask for more).
 */
function checkTokenPlace(file: string, env: NodeJS.ProcessEnv): void {
  const home = path.resolve(spoolHome(env));
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return path.resolve(p);
      throw err;
    }
  };
  const inside = (p: string, dir: string) => {
    const relative = path.relative(dir, p);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  };
  if (!inside(path.resolve(file), home) || !inside(real(file), real(home)))
    throw new Error(
      `the token file ${file} must be inside Spool's home (${home}), which sandboxed commands cannot read; elsewhere a command the model runs could read it and use this server. Move it there (e.g. ${path.join(home, 'app-server.token')}).`,
    );
}

function readToken(options: RunAppServerOptions, env: NodeJS.ProcessEnv): string {
  if (options.wsTokenFile) {
    checkTokenPlace(options.wsTokenFile, env);
    let text: string;
    try {
      text = fs.readFileSync(options.wsTokenFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the token file ${options.wsTokenFile}: ${(err as Error).message}`);
    }
    const token = text.split('\n')[0]!.trim();
    if (!token) throw new Error(`the token file ${options.wsTokenFile} is empty`);
    return token;
  }
  const variable = options.wsTokenEnv ?? TOKEN_ENV;
  const token = env[variable]?.trim();
  if (!token)
    throw new Error(
      `a WebSocket listener requires a bearer token: give --ws-token-file FILE or set ${variable}`,
    );
  return token;
}

function stopSignal(options: RunAppServerOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
  });
}

/** Runs until done; resolves with the exit code. */
export async function runAppServer(options: RunAppServerOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const say = (line: string) => stderr.write(`spool app-server: ${line}\n`);
  let target: ListenTarget;
  let token = '';
  // The token never reaches what the server starts (commands, MCP servers): it is not in the
  // environment threads get.
  const env = { ...(options.env ?? process.env) };
  try {
    target = parseListen(options.listen ?? 'stdio://');
    if (target.kind === 'ws') token = readToken(options, env);
  } catch (err) {
    say((err as Error).message);
    return EXIT.usage;
  }
  delete env[options.wsTokenEnv ?? TOKEN_ENV];
  const server = new AppServer({ ...options, env });
  if (target.kind === 'stdio') {
    const serving = serveStreams(server, options.stdin ?? process.stdin, options.stdout ?? process.stdout);
    options.onListening?.('stdio://');
    await Promise.race([serving.done, stopSignal(options)]);
    await server.close();
    return EXIT.ok;
  }
  let listener: WebSocketListener;
  try {
    listener = await listenWebSocket(server, { host: target.host, port: target.port, token });
  } catch (err) {
    say(`cannot listen on ${options.listen}: ${(err as Error).message}`);
    return EXIT.usage;
  }
  say(`listening on ${listener.url} (GET /readyz for readiness)`);
  options.onListening?.(listener.url);
  await stopSignal(options);
  await listener.close();
  await server.close();
  return EXIT.ok;
}
