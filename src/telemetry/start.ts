/**
 * Starts OpenTelemetry for a front end when `[otel]` exports something, loading the SDK only then
 * (a lazy import: without `[otel]` nothing of it is loaded). Throws TelemetryConfigError for an
 * exporter without an endpoint.
 */
import type { OtelConfig } from '../config/schema.js';
import type { Telemetry } from './otel.js';
import { telemetrySettings } from './settings.js';

export async function startTelemetry(
  otel: OtelConfig | undefined,
  warn: (message: string) => void,
): Promise<Telemetry | undefined> {
  const settings = telemetrySettings(otel);
  if (!settings) return undefined;
  const { Telemetry } = await import('./otel.js');
  return Telemetry.start(settings, warn);
}
