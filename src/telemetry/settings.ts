/**
 * `[otel]` (Codex's keys) resolved to where traces and metrics go. Pure: no SDK is loaded here, so
 * a front end can tell whether telemetry is on without paying for OpenTelemetry's import.
 *
 * `exporter` is `"none"` (the default), `"otlp-http"` / `"otlp-grpc"` with `endpoint`, `headers`
 * and `protocol` beside it, or Codex's inline form `{ otlp-http = { endpoint, protocol, headers } }`.
 * `trace_exporter` and `metrics_exporter` (same forms) send one signal elsewhere; absent, the
 * signal follows `exporter`. Nothing leaves the machine unless one of them is set.
 */
import type { OtelConfig, OtelExporterConfig } from '../config/schema.js';

export type OtlpSignal = 'traces' | 'metrics';

export interface OtlpTarget {
  transport: 'http' | 'grpc';
  /** OTLP/HTTP encoding: `binary` (protobuf, the default) or `json`. */
  protocol: 'binary' | 'json';
  /** For HTTP, the signal's full URL (`…/v1/traces`); for gRPC, the collector's address. */
  url: string;
  headers: Record<string, string>;
}

export interface TelemetrySettings {
  traces?: OtlpTarget;
  metrics?: OtlpTarget;
  /** `environment` (Codex's key): a resource attribute, `dev` by default. */
  environment: string;
  /** Prompts are exported (as a turn span attribute) only when this is set. */
  logUserPrompt: boolean;
}

export class TelemetryConfigError extends Error {}

/** The URL of `signal` on an OTLP/HTTP endpoint: a base gets `/v1/<signal>`, a signal URL is re-aimed. */
function signalUrl(endpoint: string, signal: OtlpSignal, exact: boolean): string {
  if (exact) return endpoint;
  const trimmed = endpoint.replace(/\/+$/, '');
  const signalPath = /\/v1\/(traces|metrics|logs)$/;
  return signalPath.test(trimmed) ? trimmed.replace(signalPath, `/v1/${signal}`) : `${trimmed}/v1/${signal}`;
}

function target(
  exporter: OtelExporterConfig | undefined,
  otel: OtelConfig,
  signal: OtlpSignal,
  exact: boolean,
  key: string,
): OtlpTarget | undefined {
  if (exporter === undefined || exporter === 'none') return undefined;
  let transport: 'http' | 'grpc';
  let endpoint: string | undefined;
  let headers: Record<string, string> | undefined;
  let protocol: 'binary' | 'json' | undefined;
  if (typeof exporter === 'string') {
    transport = exporter === 'otlp-grpc' ? 'grpc' : 'http';
    ({ endpoint, headers, protocol } = otel);
    // The sibling endpoint is the collector's base: each signal gets its own path.
    exact = false;
  } else if ('otlp-grpc' in exporter) {
    transport = 'grpc';
    ({ endpoint, headers } = exporter['otlp-grpc']);
  } else {
    transport = 'http';
    ({ endpoint, headers, protocol } = exporter['otlp-http']);
  }
  if (!endpoint) {
    throw new TelemetryConfigError(
      `otel.${key} = "${typeof exporter === 'string' ? exporter : transport}" needs an endpoint (otel.endpoint, e.g. "http://localhost:4318")`,
    );
  }
  return {
    transport,
    protocol: protocol ?? 'binary',
    url: transport === 'grpc' ? endpoint : signalUrl(endpoint, signal, exact),
    headers: headers ?? {},
  };
}

/** Undefined when nothing is exported (no `[otel]`, or every exporter `none`). */
export function telemetrySettings(otel: OtelConfig | undefined): TelemetrySettings | undefined {
  if (!otel) return undefined;
  const traces =
    otel.trace_exporter !== undefined
      ? target(otel.trace_exporter, otel, 'traces', true, 'trace_exporter')
      : target(otel.exporter, otel, 'traces', false, 'exporter');
  const metrics =
    otel.metrics_exporter !== undefined
      ? target(otel.metrics_exporter, otel, 'metrics', true, 'metrics_exporter')
      : target(otel.exporter, otel, 'metrics', false, 'exporter');
  if (!traces && !metrics) return undefined;
  return {
    ...(traces ? { traces } : {}),
    ...(metrics ? { metrics } : {}),
    environment: otel.environment ?? 'dev',
    logUserPrompt: otel.log_user_prompt ?? false,
  };
}
