/**
 * One client connection: reads its messages, answers its requests through the method table,
 * sends notifications and server→client requests, and keeps its outgoing queue bounded
 * (outbound-queue.ts). Transport-agnostic: stdio, WebSocket and in-process clients all end here.
 */

import { messageOf } from '../protocol/errors.js';
import { ErrorCode, errorObject, type Incoming, parseIncoming, type RequestId, RpcError } from './jsonrpc.js';
import type { ServerLimits } from './limits.js';
import { OutboundQueue } from './outbound-queue.js';
import type { Transport } from './transport.js';
import type { V2NotificationMethod, V2NotificationParams } from './v2-messages.js';

/** What the server provides to its connections. */
export interface ConnectionHost {
  readonly limits: ServerLimits;
  /** Runs a request; resolves with the result, or rejects (RpcError for a clean error). */
  dispatch(connection: Connection, method: string, params: unknown): Promise<DispatchOutcome>;
  connectionClosed(connection: Connection): void;
}

export interface DispatchOutcome {
  result: unknown;
  /** Runs once the response has been queued (e.g. notifications that must follow it). */
  after?: () => void;
}

interface ClientInfo {
  name: string;
  title?: string | null;
  version: string;
}

/** A server→client request waiting for its answer. */
interface PendingRequest {
  resolve(result: unknown): void;
  reject(error: RpcError): void;
}

export class Connection {
  initialized = false;
  clientInfo: ClientInfo | undefined;
  /** Notification methods this client opted out of (exact names). */
  optOut: ReadonlySet<string> = new Set();
  /** Released when the connection closes (processes it started, …). */
  readonly cleanups = new Set<() => void>();
  private inFlight = 0;
  private nextRequestId = 0;
  private readonly pending = new Map<RequestId, PendingRequest>();
  private readonly queue: OutboundQueue;
  private open = true;

  constructor(
    private readonly host: ConnectionHost,
    private readonly transport: Transport,
    readonly label: string,
    /**
     * The human's own session: the process that started the server (stdio) or the terminal UI in
     * it. A client that reached the server over the network (WebSocket) is not: its `command/exec`
     * and `fs/*` stay within the server's sandbox and roots, and never see Spool's home.
     */
    readonly ownSession = true,
  ) {
    const limits = host.limits;
    const sink = {
      write: (text: string): boolean => {
        try {
          return transport.write(text);
        } catch (err) {
          // A transport that throws is broken: the client is gone.
          queueMicrotask(() => this.close(`the transport failed: ${messageOf(err)}`));
          return true;
        }
      },
    };
    this.queue = new OutboundQueue(
      sink,
      { softBytes: limits.outboundSoftBytes, hardBytes: limits.outboundHardBytes },
      {
        onHigh: () => transport.pause(),
        onLow: () => transport.resume(),
        onOverflow: () => {
          transport.close('the client is not reading its messages');
          this.closed();
        },
      },
    );
    transport.onDrain(() => this.queue.drained());
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Bytes waiting for this client (for tests and diagnostics). */
  get queuedBytes(): number {
    return this.queue.bytes;
  }

  get droppedDeltas(): number {
    return this.queue.droppedDeltas;
  }

  /** One incoming message (a line, a frame). Never throws. */
  receive(text: string): void {
    if (!this.open) return;
    let message: Incoming;
    try {
      message = parseIncoming(text);
    } catch (err) {
      message = { kind: 'invalid', id: null, error: new RpcError(ErrorCode.internalError, String(err)) };
    }
    switch (message.kind) {
      case 'invalid':
        this.sendError(message.id, message.error);
        return;
      case 'notification':
        // `initialized` acknowledges the handshake; other notifications are ignored, as JSON-RPC asks.
        return;
      case 'response':
        this.settle(message.id, (pending) => pending.resolve(message.result));
        return;
      case 'errorResponse':
        this.settle(message.id, (pending) =>
          pending.reject(new RpcError(message.error.code, message.error.message, message.error.data)),
        );
        return;
      case 'request':
        this.handleRequest(message.id, message.method, message.params);
        return;
    }
  }

  /** A message over the size limit arrived (and was not read). */
  tooLarge(bytes: number): void {
    this.sendError(
      null,
      new RpcError(
        ErrorCode.invalidRequest,
        `Invalid request: message of ${bytes} bytes exceeds the limit of ${this.host.limits.maxMessageBytes} bytes`,
      ),
    );
  }

  /** A message that cannot be read at all (e.g. a binary WebSocket frame). */
  refuse(why: string): void {
    this.sendError(null, new RpcError(ErrorCode.invalidRequest, `Invalid request: ${why}`));
  }

  notify<M extends V2NotificationMethod>(method: M, params: V2NotificationParams<M>): void {
    if (!this.open || !this.initialized || this.optOut.has(method)) return;
    this.queue.send(JSON.stringify({ method, params }));
  }

  /** A streaming delta of one item (may be merged or dropped for a slow client). */
  notifyDelta(itemKey: string, method: V2NotificationMethod, params: { delta: string }): void {
    if (!this.open || !this.initialized || this.optOut.has(method)) return;
    this.queue.sendDelta(itemKey, method, params);
  }

  /** Sends a server→client request; `response` settles with the client's answer (or rejects). */
  request(method: string, params: unknown): { id: RequestId; response: Promise<unknown> } {
    const id = this.nextRequestId++;
    const response = new Promise<unknown>((resolve, reject) => {
      if (!this.open) {
        reject(new RpcError(ErrorCode.internalError, 'the connection is closed'));
        return;
      }
      this.pending.set(id, { resolve, reject });
    });
    if (this.open) this.queue.send(JSON.stringify({ id, method, params }));
    return { id, response };
  }

  /** Forgets a server request (answered elsewhere); a late answer is ignored. */
  abandon(id: RequestId): void {
    this.settle(id, (pending) => pending.reject(new RpcError(ErrorCode.internalError, 'request withdrawn')));
  }

  /** The transport ended (client went away) or the server closes it. */
  closed(): void {
    if (!this.open) return;
    this.open = false;
    for (const pending of this.pending.values())
      pending.reject(new RpcError(ErrorCode.internalError, 'the connection closed'));
    this.pending.clear();
    for (const cleanup of this.cleanups) {
      try {
        cleanup();
      } catch (err) {
        // One failing cleanup must not keep the others from running; it is said on stderr.
        process.emitWarning(`a cleanup of a closed connection failed: ${messageOf(err)}`);
      }
    }
    this.cleanups.clear();
    this.host.connectionClosed(this);
  }

  close(reason: string): void {
    this.transport.close(reason);
    this.closed();
  }

  private settle(id: RequestId, action: (pending: PendingRequest) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    action(pending);
  }

  private handleRequest(id: RequestId, method: string, params: unknown): void {
    if (!this.initialized && method !== 'initialize') {
      this.sendError(id, new RpcError(ErrorCode.invalidRequest, 'Not initialized'));
      return;
    }
    if (this.inFlight >= this.host.limits.maxInFlightRequests) {
      this.sendError(id, new RpcError(ErrorCode.overloaded, 'Server overloaded; retry later.'));
      return;
    }
    this.inFlight++;
    let outcome: Promise<DispatchOutcome>;
    try {
      outcome = this.host.dispatch(this, method, params);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome
      .then(
        (done) => {
          this.sendResult(id, done.result);
          done.after?.();
        },
        (err: unknown) => this.sendError(id, err),
      )
      .catch((err: unknown) => this.sendError(id, err))
      .finally(() => {
        this.inFlight--;
      });
  }

  private sendResult(id: RequestId, result: unknown): void {
    if (this.open) this.queue.send(JSON.stringify({ id, result: result ?? {} }));
  }

  private sendError(id: RequestId | null, err: unknown): void {
    if (this.open) this.queue.send(JSON.stringify({ id, error: errorObject(err) }));
  }
}
