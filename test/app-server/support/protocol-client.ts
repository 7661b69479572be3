/**
 * A test client for the app-server protocol over any message transport: it records every message
 * the server sends (for schema validation), matches responses to requests, answers server requests
 * with a handler, and waits for messages.
 */
import { codexSchema } from './schema.js';

/** Messages are checked against Codex's JSON Schema, not typed; tests read their fields freely. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

export type Message = Record<string, unknown> & {
  id?: unknown;
  method?: string;
  params?: Loose;
  result?: Loose;
  error?: Loose;
};

interface Waiter {
  predicate: (message: Message) => boolean;
  resolve: (message: Message) => void;
}

export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class ProtocolClient {
  /** Every message the server sent, parsed, in order. */
  readonly messages: Message[] = [];
  /** Lines that were not JSON (should stay empty). */
  readonly garbage: string[] = [];
  private readonly methods = new Map<unknown, string>();
  private readonly pending = new Map<unknown, (message: Message) => void>();
  private waiters: Waiter[] = [];
  private nextId = 1;
  /** Answers server→client requests (approvals); default: decline; `undefined`: no answer. */
  onServerRequest: (request: Message) => unknown = () => ({ decision: 'decline' });

  constructor(private readonly sendText: (text: string) => void) {}

  /** Feeds one message text from the server. */
  receive(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      this.garbage.push(text);
      return;
    }
    this.messages.push(message);
    if (typeof message.method === 'string' && message.id !== undefined) {
      // Answered later, as a client on the other side of a pipe would; `undefined` answers nothing.
      setImmediate(() => {
        const result = this.onServerRequest(message);
        if (result !== undefined) this.sendText(JSON.stringify({ id: message.id, result }));
      });
    } else if (message.method === undefined && message.id !== undefined && message.id !== null) {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(message)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      }
    }
  }

  /** Sends text as is (requests in it are still matched to their responses for validation). */
  sendRaw(text: string): void {
    try {
      const message = JSON.parse(text) as Message;
      if (typeof message.method === 'string' && message.id !== undefined)
        this.methods.set(message.id, message.method);
    } catch {
      // Not JSON: that is the point of sending it raw.
    }
    this.sendText(text);
  }

  /** Sends a request; resolves with the whole response message (result or error). */
  request(method: string, params?: unknown, id: unknown = this.nextId++): Promise<Message> {
    this.methods.set(id, method);
    const response = new Promise<Message>((resolve) => this.pending.set(id, resolve));
    this.sendText(JSON.stringify({ id, method, ...(params === undefined ? {} : { params }) }));
    return response;
  }

  /** Sends a request; resolves with its result, rejects with its error. */
  async call<T = Loose>(method: string, params?: unknown): Promise<T> {
    const response = await this.request(method, params);
    if (response.error) throw new RpcFailure(response.error.code, response.error.message);
    return response.result as T;
  }

  notify(method: string, params?: unknown): void {
    this.sendText(JSON.stringify({ method, ...(params === undefined ? {} : { params }) }));
  }

  async initialize(name = 'spool-tests'): Promise<Loose> {
    const result = await this.call('initialize', { clientInfo: { name, title: null, version: '1.0.0' } });
    this.notify('initialized');
    return result;
  }

  /** The first message (already received or arriving) that matches. */
  waitFor(predicate: (message: Message) => boolean, timeoutMs = 20_000): Promise<Message> {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.predicate !== predicate);
        reject(
          new Error(`timed out; last messages: ${JSON.stringify(this.messages.slice(-5)).slice(0, 2000)}`),
        );
      }, timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** `turn/completed` of `turnId`. */
  turnCompleted(turnId: string): Promise<Message> {
    return this.waitFor((m) => m.method === 'turn/completed' && m.params.turn.id === turnId);
  }

  notifications(method: string, filter: (params: Loose) => boolean = () => true): Loose[] {
    return this.messages
      .filter((m) => m.method === method && m.id === undefined && filter(m.params))
      .map((m) => m.params);
  }

  /** Every schema problem in what the server sent (empty when all is valid). */
  schemaProblems(): string[] {
    const schema = codexSchema();
    return [
      ...this.garbage.map((line) => `not JSON: ${line.slice(0, 200)}`),
      ...this.messages.flatMap((message) => schema.checkServerMessage(message, (id) => this.methods.get(id))),
    ];
  }
}
