/**
 * OpenTelemetry for a long-lived front end (the app-server, and the TUI built on it): started once
 * from the server's own configuration when its `[otel]` exports something, observing every thread
 * the server loads, flushed when the server closes. The SDK loads in the background; events a
 * thread emits before it is ready are held and replayed, so the first turn is not lost.
 */
import type { Thread } from '../agent/thread.js';
import { ConfigError } from '../config/load.js';
import { type CliFlags, loadEffectiveConfig } from '../config/runtime.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { Telemetry } from './otel.js';
import { TelemetryConfigError } from './settings.js';
import { startTelemetry } from './start.js';
import type { ThreadObserver } from './thread-observer.js';

export class ServerTelemetry {
  private readonly started: Promise<Telemetry | undefined> | undefined;
  private readonly warn: (message: string) => void;

  constructor(
    env: NodeJS.ProcessEnv,
    flags: CliFlags,
    warn: (message: string) => void = (message) => process.stderr.write(`spool: warning: ${message}\n`),
  ) {
    this.warn = warn;
    let otel: ReturnType<typeof loadEffectiveConfig>['config']['otel'];
    try {
      otel = loadEffectiveConfig(flags, env).config.otel;
    } catch (err) {
      // A broken configuration is reported where threads are started; telemetry stays off.
      if (err instanceof ConfigError) return;
      throw err;
    }
    if (!otel) return;
    this.started = startTelemetry(otel, warn).catch((err: unknown) => {
      warn(
        err instanceof TelemetryConfigError
          ? err.message
          : `OpenTelemetry could not start: ${(err as Error).message}`,
      );
      return undefined;
    });
  }

  /** Each observed thread's observer, by thread id: a sub-agent's turns nest under its parent's. */
  private readonly observers = new Map<string, ThreadObserver>();
  /** Each observed thread's event listener, once the SDK has started. */
  private readonly listeners = new Map<string, (event: SpoolEvent) => void>();
  /**
   * Events of every thread emitted while the SDK loads, in the order they happened: replayed in
   * that order across threads, so a sub-agent's turn starts while its parent's turn still runs.
   */
  private held: Array<{ threadId: string; event: SpoolEvent }> = [];

  observe(thread: Thread, providerId: string, parentThreadId?: string): void {
    if (!this.started) return;
    const unsubscribe = thread.subscribe((event) => {
      const listener = this.listeners.get(thread.id);
      if (listener && this.held.length === 0) listener(event);
      else this.held.push({ threadId: thread.id, event });
    });
    void this.started.then((telemetry) => {
      if (!telemetry) {
        unsubscribe();
        return;
      }
      const observer = telemetry.observe(
        {
          id: thread.id,
          subscribe: (listener) => {
            this.listeners.set(thread.id, listener);
            return () => {
              this.listeners.delete(thread.id);
              unsubscribe();
            };
          },
        },
        {
          provider: providerId,
          model: () => thread.settings.model,
          sandboxMode: () => thread.settings.sandbox.mode,
          approvalPolicy: () => thread.settings.approvalPolicy,
          ...(parentThreadId ? { parent: () => this.observers.get(parentThreadId)?.turnContext } : {}),
        },
      );
      this.observers.set(thread.id, observer);
      // Every thread waiting for the SDK attaches in this same run of reactions; the replay comes
      // after all of them.
      queueMicrotask(() => this.replayHeld());
    });
  }

  /** Replays the held events of the threads that have observers, in the order they happened. */
  private replayHeld(): void {
    const still: typeof this.held = [];
    for (const held of this.held) {
      const listener = this.listeners.get(held.threadId);
      if (listener && still.every((s) => s.threadId !== held.threadId)) listener(held.event);
      else still.push(held);
    }
    this.held = still;
  }

  /** Flushes and stops the exporters (the server is closing). */
  async shutdown(): Promise<void> {
    const telemetry = await this.started;
    // Events still held (the SDK finished loading just now) are exported before the flush.
    this.replayHeld();
    const problem = await telemetry?.shutdown();
    if (problem) this.warn(problem);
  }
}
