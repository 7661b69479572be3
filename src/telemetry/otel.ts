/**
 * The OpenTelemetry SDK, started for one process when `[otel]` exports something: a tracer and a
 * meter provider with OTLP exporters (HTTP protobuf or JSON, or gRPC), resource `service.name =
 * spool`. Front ends import this module lazily (`await import`), only when telemetry is on, so
 * nobody else pays for loading the SDK. Nothing is registered globally (many threads, one
 * process): the providers are held here and `shutdown()` flushes and stops them — on exit and on
 * SIGTERM, before the process ends.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { VERSION } from '../version.js';
import { ExportFailures } from './export-failures.js';
import { SpoolMetrics } from './metrics.js';
import type { OtlpTarget, TelemetrySettings } from './settings.js';
import { type ObservedThread, type ThreadInfo, ThreadObserver } from './thread-observer.js';

/** Metrics are pushed this often while running, and once more at shutdown. */
const METRIC_INTERVAL_MS = 30_000;
/** An unreachable collector delays Spool's exit by at most about this long. */
const EXPORT_TIMEOUT_MS = 3_000;

async function spanExporter(target: OtlpTarget): Promise<SpanExporter> {
  const options = { url: target.url, headers: target.headers, timeoutMillis: EXPORT_TIMEOUT_MS };
  if (target.transport === 'grpc') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter({
      url: target.url,
      metadata: await grpcMetadata(target.headers),
      timeoutMillis: EXPORT_TIMEOUT_MS,
    });
  }
  if (target.protocol === 'json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

async function metricExporter(target: OtlpTarget): Promise<PushMetricExporter> {
  const options = { url: target.url, headers: target.headers, timeoutMillis: EXPORT_TIMEOUT_MS };
  if (target.transport === 'grpc') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
    return new OTLPMetricExporter({
      url: target.url,
      metadata: await grpcMetadata(target.headers),
      timeoutMillis: EXPORT_TIMEOUT_MS,
    });
  }
  if (target.protocol === 'json') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
    return new OTLPMetricExporter(options);
  }
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter(options);
}

async function grpcMetadata(headers: Record<string, string>) {
  const { Metadata } = await import('@grpc/grpc-js');
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

export class Telemetry {
  private readonly observers = new Set<ThreadObserver>();

  private constructor(
    private readonly settings: TelemetrySettings,
    private readonly tracerProvider: BasicTracerProvider,
    private readonly meterProvider: MeterProvider,
    private readonly metrics: SpoolMetrics,
    private readonly failures: ExportFailures,
  ) {}

  /** `warn` hears of the first failed export of each signal at once (the rest are counted). */
  static async start(settings: TelemetrySettings, warn: (message: string) => void): Promise<Telemetry> {
    const failures = new ExportFailures(warn);
    const resource = resourceFromAttributes({
      'service.name': 'spool',
      'service.version': VERSION,
      'deployment.environment.name': settings.environment,
    });
    const tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: settings.traces
        ? [
            new BatchSpanProcessor(
              failures.watch(await spanExporter(settings.traces), `traces to ${settings.traces.url}`),
              {
                exportTimeoutMillis: EXPORT_TIMEOUT_MS,
              },
            ),
          ]
        : [],
    });
    const meterProvider = new MeterProvider({
      resource,
      readers: settings.metrics
        ? [
            new PeriodicExportingMetricReader({
              exporter: failures.watch(
                await metricExporter(settings.metrics),
                `metrics to ${settings.metrics.url}`,
              ),
              exportIntervalMillis: METRIC_INTERVAL_MS,
              exportTimeoutMillis: EXPORT_TIMEOUT_MS,
            }),
          ]
        : [],
    });
    const metrics = new SpoolMetrics(meterProvider.getMeter('spool', VERSION));
    return new Telemetry(settings, tracerProvider, meterProvider, metrics, failures);
  }

  /** Starts tracing `thread`'s turns; `parent` nests them under another thread's span (sub-agents). */
  observe(thread: ObservedThread, info: ThreadInfo): ThreadObserver {
    const observer = new ThreadObserver(
      thread,
      info,
      this.tracerProvider.getTracer('spool', VERSION),
      this.metrics,
      this.settings.logUserPrompt,
    );
    this.observers.add(observer);
    return observer;
  }

  /**
   * Ends open spans, exports everything buffered and stops the exporters. Never throws; resolves to
   * what was lost (failed exports, a flush that failed), for the front end to say.
   */
  async shutdown(): Promise<string | undefined> {
    for (const observer of this.observers) observer.close();
    this.observers.clear();
    const results = await Promise.allSettled([this.tracerProvider.shutdown(), this.meterProvider.shutdown()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // A flush fails because its last export did, which the summary already counts.
    return (
      this.failures.summary() ??
      (failed ? `telemetry could not be flushed: ${String(failed.reason)}` : undefined)
    );
  }
}
