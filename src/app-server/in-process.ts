/**
 * The app-server protocol without a transport: a client in the same process (the terminal UI)
 * talks to an `AppServer` with exactly the messages a stdio or WebSocket client exchanges — they
 * are serialized and parsed on the way, so every front end sees the same events in the same
 * shapes. Delivery is asynchronous (the next turn of the event loop), as over a socket.
 */
import type { Connection } from './connection.js';
import { ErrorCode, type ErrorObject, type RequestId } from './jsonrpc.js';
import type { AppServer } from './server.js';
import type { V2Notification, V2ServerRequest } from './v2-messages.js';

/**
 * A notification from the server: one of v2's (the server's `notify` is typed by method, so what
 * arrives here is one, parsed back from the same JSON a socket client reads).
 */
export type ServerNotification = V2Notification;

/** A request from the server (an approval, a question): one of v2's, with its id. */
export type ServerRequest = { id: RequestId } & V2ServerRequest;

/** A JSON-RPC error the server answered with. */
export class JsonRpcError extends Error {
  override readonly name = 'JsonRpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface InProcessClient {
  /** Sends a request; resolves with its result, rejects with a JsonRpcError. */
  request<T = unknown>(method: string, params?: unknown): Promise<T>;
  notify(method: string, params?: unknown): void;
  /** Every notification the server sends; returns an unsubscribe function. */
  onNotification(listener: (notification: ServerNotification) => void): () => void;
  /** Answers server→client requests (approvals); without a handler they are answered with an error. */
  onServerRequest(handler: (request: ServerRequest) => unknown): void;
  /** Every message the server sent, parsed, in order (only with `keepMessages`: for tests). */
  readonly received: ReadonlyArray<Record<string, unknown>>;
  readonly connection: Connection;
  close(): void;
}

export function createInProcessConnection(
  server: AppServer,
  options: { keepMessages?: boolean } = {},
): InProcessClient {
  const listeners = new Set<(notification: ServerNotification) => void>();
  const waiting = new Map<RequestId, { resolve(value: unknown): void; reject(error: Error): void }>();
  const received: Array<Record<string, unknown>> = [];
  let handler: ((request: ServerRequest) => unknown) | undefined;
  let nextId = 0;
  let open = true;

  const send = (message: unknown) => {
    if (open) connection.receive(JSON.stringify(message));
  };

  const answer = async (request: ServerRequest) => {
    if (!handler) {
      send({
        id: request.id,
        error: { code: ErrorCode.methodNotFound, message: `no handler for ${request.method}` },
      });
      return;
    }
    try {
      send({ id: request.id, result: await handler(request) });
    } catch (err) {
      send({ id: request.id, error: { code: ErrorCode.internalError, message: (err as Error).message } });
    }
  };

  const deliver = (message: Record<string, unknown>) => {
    if (options.keepMessages) received.push(message);
    const id = message.id as RequestId | undefined | null;
    if (typeof message.method === 'string') {
      if (id === undefined || id === null) {
        const notification = { method: message.method, params: message.params } as ServerNotification;
        for (const listener of listeners) listener(notification);
      } else void answer({ id, method: message.method, params: message.params } as ServerRequest);
      return;
    }
    if (id === undefined || id === null) return;
    const pending = waiting.get(id);
    if (!pending) return;
    waiting.delete(id);
    if ('error' in message) {
      const error = message.error as ErrorObject;
      pending.reject(new JsonRpcError(error.code, error.message, error.data));
    } else pending.resolve(message.result);
  };

  const connection = server.connect(
    {
      write(text) {
        const message = JSON.parse(text) as Record<string, unknown>;
        setImmediate(() => deliver(message));
        return true;
      },
      onDrain() {},
      pause() {},
      resume() {},
      close() {
        open = false;
      },
    },
    'in-process',
  );

  return {
    request<T>(method: string, params?: unknown): Promise<T> {
      if (!open) return Promise.reject(new JsonRpcError(ErrorCode.internalError, 'the connection is closed'));
      const id = `c${nextId++}`;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        send({ id, method, ...(params === undefined ? {} : { params }) });
      });
    },
    notify(method, params) {
      send({ method, ...(params === undefined ? {} : { params }) });
    },
    onNotification(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onServerRequest(h) {
      handler = h;
    },
    received,
    connection,
    close() {
      if (!open) return;
      open = false;
      for (const pending of waiting.values())
        pending.reject(new JsonRpcError(ErrorCode.internalError, 'the connection closed'));
      waiting.clear();
      connection.closed();
    },
  };
}
