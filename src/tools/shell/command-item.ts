/**
 * The `command_execution` display item of one command: started → live output deltas → completed.
 *
 * Live deltas are for watching, not for keeping: after `LIVE_OUTPUT_LIMIT_BYTES` (or
 * `LIVE_DELTA_LIMIT` deltas, Codex's per-call cap) they stop, while the completed item still carries
 * the bounded aggregated output.
 */
import type { ThreadItemOf } from '../../protocol/events.js';
import type { ToolItemSink } from '../types.js';

const LIVE_OUTPUT_LIMIT_BYTES = 1024 * 1024;
const LIVE_DELTA_LIMIT = 10_000;

type CommandItem = ThreadItemOf<'command_execution'>;

export class CommandItemReporter {
  private readonly id: string;
  private sink: ToolItemSink;
  private liveBytes = 0;
  private liveDeltas = 0;
  private done = false;

  constructor(
    sink: ToolItemSink,
    private readonly command: string,
    private readonly cwd: string,
    /** An id allocated earlier (the one an approval request announced); else a new one. */
    id?: string,
  ) {
    this.sink = sink;
    this.id = id ?? sink.newItemId();
  }

  /**
   * A command that was refused: one completed item with status `declined`, nothing started;
   * `why` (the text the model gets) is its output, so the user sees the reason too.
   */
  static declined(sink: ToolItemSink, command: string, cwd: string, why = '', id?: string): void {
    const reporter = new CommandItemReporter(sink, command, cwd, id);
    reporter.done = true;
    sink.completed(reporter.item({ aggregated_output: why, exit_code: null, status: 'declined' }));
  }

  started(): void {
    this.sink.started(this.item({ aggregated_output: '', exit_code: null, status: 'in_progress' }));
  }

  /** Later events of a long-running session go to the turn that is now polling it. */
  rebind(sink: ToolItemSink): void {
    this.sink = sink;
  }

  output(text: string): void {
    if (this.done || text === '') return;
    if (this.liveBytes >= LIVE_OUTPUT_LIMIT_BYTES || this.liveDeltas >= LIVE_DELTA_LIMIT) return;
    this.liveBytes += Buffer.byteLength(text, 'utf8');
    this.liveDeltas++;
    this.sink.outputDelta(this.id, text);
  }

  /** Status `completed` for exit code 0, `failed` otherwise (non-zero, timeout, spawn error). */
  completed(exitCode: number, aggregatedOutput: string, durationMs: number): void {
    if (this.done) return;
    this.done = true;
    this.sink.completed({
      ...this.item({
        aggregated_output: aggregatedOutput,
        exit_code: exitCode,
        status: exitCode === 0 ? 'completed' : 'failed',
      }),
      duration_ms: Math.round(durationMs),
    });
  }

  private item(state: Pick<CommandItem, 'aggregated_output' | 'exit_code' | 'status'>): CommandItem {
    return {
      id: this.id,
      type: 'command_execution',
      command: this.command,
      aggregated_output: state.aggregated_output,
      exit_code: state.exit_code,
      status: state.status,
      cwd: this.cwd,
    };
  }
}
