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

  observe(thread: Thread, providerId: string): void {
    if (!this.started) return;
    const held: SpoolEvent[] = [];
    let forward: ((event: SpoolEvent) => void) | undefined;
    const unsubscribe = thread.subscribe((event) => (forward ? forward(event) : held.push(event)));
    void this.started.then((telemetry) => {
      if (!telemetry) {
        unsubscribe();
        return;
      }
      telemetry.observe(
        {
          id: thread.id,
          subscribe: (listener) => {
            for (const event of held.splice(0)) listener(event);
            forward = listener;
            return unsubscribe;
          },
        },
        {
          provider: providerId,
          model: () => thread.settings.model,
          sandboxMode: () => thread.settings.sandbox.mode,
          approvalPolicy: () => thread.settings.approvalPolicy,
        },
      );
    });
  }

  /** Flushes and stops the exporters (the server is closing). */
  async shutdown(): Promise<void> {
    const telemetry = await this.started;
    const problem = await telemetry?.shutdown();
    if (problem) this.warn(problem);
  }
}
