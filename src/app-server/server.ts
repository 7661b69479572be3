/**
 * The app-server: Codex's v2 protocol over any transport. One `AppServer` holds the loaded
 * threads and the connections; each connection is a client (stdio, a WebSocket, or in process).
 * Nothing is module-level: several servers can run in one process.
 */

import type { CliFlags, Runtime } from '../config/runtime.js';
import type { ModelClient } from '../model/types.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { ServerTelemetry } from '../telemetry/server-telemetry.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { Connection, type ConnectionHost, type DispatchOutcome } from './connection.js';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
import { CommandProcesses, commandExecMethods } from './methods/command-exec.js';
import { fsMethods } from './methods/fs.js';
import { initializeMethods } from './methods/initialize.js';
import { modelConfigMethods } from './methods/models-config.js';
import { reviewMethods } from './methods/review.js';
import { skillsAndModesMethods } from './methods/skills-modes.js';
import { threadMethods } from './methods/threads.js';
import { turnMethods } from './methods/turns.js';
import { dispatchMethod, type MethodTable, type ServerState } from './router.js';
import { type DefaultSeams, defaultSeams, type ServerContext } from './runtime.js';
import { ThreadManager } from './thread-manager.js';
import type { Transport } from './transport.js';
import type { V2NotificationMethod, V2NotificationParams } from './v2-messages.js';

export interface AppServerOptions {
  /** The environment threads see (keys, SPOOL_HOME, …). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Defaults of every thread: the `spool app-server` command line (-m, -c, -s, -a, -C, --profile). */
  flags?: CliFlags;
  limits?: Partial<ServerLimits>;
  /** The tools each thread gets (default: Spool's shell and apply_patch). */
  createTools?: (settings: ThreadSettings) => ThreadTools;
  /** The model client of a thread (default: the configured provider's wire client). */
  createModelClient?: (runtime: Runtime) => ModelClient;
}

export class AppServer implements ConnectionHost, ServerState {
  readonly ctx: ServerContext;
  readonly threads: ThreadManager;
  readonly limits: ServerLimits;
  private readonly connections = new Set<Connection>();
  private readonly methods: MethodTable;
  private connectionCounter = 0;
  private readonly seams: DefaultSeams;
  /** OpenTelemetry for every thread of this server, when the server's `[otel]` exports something. */
  private readonly telemetry: ServerTelemetry;

  constructor(options: AppServerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const seams = defaultSeams(options.env ?? process.env, options.flags ?? {});
    this.seams = seams;
    this.telemetry = new ServerTelemetry(options.env ?? process.env, options.flags ?? {});
    this.ctx = {
      env: options.env ?? process.env,
      flags: options.flags ?? {},
      limits: this.limits,
      createTools: options.createTools ?? seams.createTools,
      createModelClient: options.createModelClient ?? seams.createModelClient,
      toolsReady: options.createTools ? async () => {} : seams.mcpReady,
      threadLoaded: (thread, providerId, parentThreadId) =>
        this.telemetry.observe(thread, providerId, parentThreadId),
    };
    // Codex's startup notification, to every client (a server starts before any thread uses it).
    seams.onMcpStartup((update) =>
      this.broadcast('mcpServer/startupStatus/updated', {
        name: update.server,
        status: update.status,
        error: update.error ?? null,
        threadId: null,
      }),
    );
    this.threads = new ThreadManager(this.ctx);
    this.methods = {
      ...initializeMethods,
      ...threadMethods,
      ...turnMethods,
      ...reviewMethods,
      ...fsMethods,
      ...modelConfigMethods,
      ...skillsAndModesMethods,
      ...commandExecMethods(new CommandProcesses()),
    };
  }

  /** A new client on `transport`; the transport feeds it with `receive` and `closed`. */
  connect(transport: Transport, label = 'client', options: { ownSession?: boolean } = {}): Connection {
    const connection = new Connection(
      this,
      transport,
      `${label}#${++this.connectionCounter}`,
      options.ownSession ?? true,
    );
    this.connections.add(connection);
    return connection;
  }

  async dispatch(connection: Connection, method: string, params: unknown): Promise<DispatchOutcome> {
    const after: Array<() => void> = [];
    const result = await dispatchMethod(
      this.methods,
      { server: this, connection, after: (fn) => after.push(fn) },
      method,
      params,
    );
    return {
      result,
      after: () => {
        for (const fn of after) fn();
      },
    };
  }

  broadcast<M extends V2NotificationMethod>(method: M, params: V2NotificationParams<M>): void {
    for (const connection of this.connections) connection.notify(method, params);
  }

  connectionClosed(connection: Connection): void {
    this.connections.delete(connection);
    this.threads.connectionClosed(connection);
  }

  /** Closes every connection and thread (turns are interrupted, logs flushed, locks released). */
  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.close('the server is shutting down');
    await this.threads.closeAll();
    await this.seams.close();
    await this.telemetry.shutdown();
  }
}
