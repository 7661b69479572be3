/**
 * The UI's side of the app-server protocol: one in-process connection per open thread (switching
 * threads opens a new connection and closes the old one, which unloads the old thread — the
 * protocol has no `thread/unsubscribe` yet), with notifications and approval requests of the
 * current connection handed to the app.
 */

import {
  createInProcessConnection,
  type InProcessClient,
  type ServerNotification,
  type ServerRequest,
} from '../../app-server/in-process.js';
import type { AppServer } from '../../app-server/server.js';
import type { V2OpenedThread } from '../view/v2.js';

interface SessionHandlers {
  onNotification(notification: ServerNotification): void;
  onServerRequest(request: ServerRequest): Promise<unknown>;
}

export class SessionClient {
  private current: InProcessClient | undefined;
  /** A connection whose thread is being opened (its notifications count already). */
  private incoming: InProcessClient | undefined;
  opened: V2OpenedThread | undefined;

  constructor(
    private readonly server: AppServer,
    private readonly handlers: SessionHandlers,
    private readonly clientVersion: string,
  ) {}

  get threadId(): string | undefined {
    return this.opened?.thread.id;
  }

  /** A request on the current connection (one without a thread when none is open yet). */
  async request<T>(method: string, params?: unknown): Promise<T> {
    this.current ??= await this.connect();
    return this.current.request<T>(method, params);
  }

  /** Opens a thread on a fresh connection (`thread/start`, `thread/resume`, `thread/fork`). */
  async open(
    method: 'thread/start' | 'thread/resume' | 'thread/fork',
    params: object,
  ): Promise<V2OpenedThread> {
    const next = await this.connect();
    this.incoming = next;
    let opened: V2OpenedThread;
    try {
      opened = await next.request<V2OpenedThread>(method, params);
    } catch (err) {
      this.incoming = undefined;
      next.close();
      throw err;
    }
    const previous = this.current;
    this.current = next;
    this.incoming = undefined;
    this.opened = opened;
    previous?.close();
    return opened;
  }

  /** Closes the connection (the server unloads its thread). */
  close(): void {
    this.current?.close();
    this.incoming?.close();
    this.current = undefined;
    this.incoming = undefined;
  }

  private async connect(): Promise<InProcessClient> {
    const client = createInProcessConnection(this.server);
    const live = () => client === this.current || client === this.incoming;
    client.onNotification((notification) => {
      if (live()) this.handlers.onNotification(notification);
    });
    client.onServerRequest((request) => {
      if (!live()) return { decision: 'decline' };
      return this.handlers.onServerRequest(request);
    });
    await client.request('initialize', {
      clientInfo: { name: 'spool-tui', title: 'Spool', version: this.clientVersion },
    });
    return client;
  }
}
