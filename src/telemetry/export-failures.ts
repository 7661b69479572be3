/**
 * Export failures, said instead of swallowed: the OpenTelemetry SDK only logs a failed export to its
 * own diagnostic logger (off by default), so an unreachable or refusing collector would lose every
 * span and metric without a word. Each exporter's results are watched here: the first failure of a
 * signal is reported at once (through the front end's warning channel), later ones are counted, and
 * `summary()` says how many batches were lost when telemetry shuts down.
 */

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core` (a stable enum value: 0). */
const SUCCESS = 0;

interface ExportResult {
  code: number;
  error?: Error;
}

/** What every OTLP exporter has: `export(items, done)` reporting each batch's result. */
interface ResultReportingExporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
}

export class ExportFailures {
  private readonly failed = new Map<string, { count: number; first: string }>();

  constructor(private readonly report: (message: string) => void) {}

  /**
   * Watches `exporter`'s results (`what`: "traces to <url>"). The exporter is changed in place: its
   * `export` is wrapped, so every other method (temporality, aggregation, flush) stays its own.
   */
  watch<T, E extends ResultReportingExporter<T>>(exporter: E, what: string): E {
    const exportBatch = exporter.export.bind(exporter);
    exporter.export = (items: T, done: (result: ExportResult) => void) =>
      exportBatch(items, (result) => {
        if (result.code !== SUCCESS) this.note(what, result.error);
        done(result);
      });
    return exporter;
  }

  private note(what: string, error: Error | undefined): void {
    const reason = error?.message?.trim() || 'the collector did not accept it';
    const seen = this.failed.get(what);
    if (seen) {
      seen.count++;
      return;
    }
    this.failed.set(what, { count: 1, first: reason });
    this.report(`telemetry: exporting ${what} failed: ${reason} (later failures are counted)`);
  }

  /** Every signal that lost batches, and how many; undefined when none did. */
  summary(): string | undefined {
    if (this.failed.size === 0) return undefined;
    const parts = [...this.failed].map(
      ([what, { count, first }]) => `${what}: ${count} batch${count === 1 ? '' : 'es'} lost (${first})`,
    );
    return `telemetry export failed — ${parts.join('; ')}`;
  }
}
