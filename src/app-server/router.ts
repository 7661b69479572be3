/** The method table: each method's params schema and handler, and dispatching a request to it. */
import type { z } from 'zod';
import type { Connection } from './connection.js';
import { ErrorCode, invalidParams, RpcError } from './jsonrpc.js';
import type { ServerContext } from './runtime.js';
import type { ThreadManager } from './thread-manager.js';
import type { V2NotificationMethod, V2NotificationParams, V2Responses } from './v2-messages.js';

/** What handlers reach of the server. */
export interface ServerState {
  readonly ctx: ServerContext;
  readonly threads: ThreadManager;
  /** Sends a notification to every initialized connection. */
  broadcast<M extends V2NotificationMethod>(method: M, params: V2NotificationParams<M>): void;
}

export interface MethodContext {
  server: ServerState;
  connection: Connection;
  /** Runs `fn` once the response has been sent (notifications that must follow it). */
  after(fn: () => void): void;
}

/** A method: its params schema and its handler, which answers `R`. */
export interface MethodSpec<R = unknown> {
  params: z.ZodType;
  handle(ctx: MethodContext, params: never): R | Promise<R>;
}

export function defineMethod<S extends z.ZodType, R>(
  params: S,
  handle: (ctx: MethodContext, params: z.infer<S>) => R | Promise<R>,
): MethodSpec<R> {
  return { params, handle: handle as MethodSpec<R>['handle'] };
}

/** Methods by name, each answering what v2 says it answers (`V2Responses`). */
export type MethodTable = { readonly [M in keyof V2Responses]?: MethodSpec<V2Responses[M]> };

function describeIssues(method: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'params';
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `Invalid params for ${method}: ${issues.join('; ')}${more}`;
}

export async function dispatchMethod(
  table: MethodTable,
  ctx: MethodContext,
  method: string,
  raw: unknown,
): Promise<unknown> {
  const spec: MethodSpec | undefined = Object.hasOwn(table, method)
    ? table[method as keyof V2Responses]
    : undefined;
  if (!spec) throw new RpcError(ErrorCode.methodNotFound, `Method not found: ${method}`);
  const parsed = spec.params.safeParse(raw ?? {});
  if (!parsed.success) throw invalidParams(describeIssues(method, parsed.error));
  return spec.handle(ctx, parsed.data as never);
}
