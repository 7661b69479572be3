/**
 * The text the model receives for a command, in Codex's formats (models are trained on them):
 *
 * `shell` / `shell_command` (Codex's freeform exec output):
 *   Exit code: 0
 *   Wall time: 0.1 seconds
 *   Total output lines: 12345        ← only when the output was truncated
 *   Output:
 *   …
 *
 * `exec_command` / `write_stdin` (Codex's unified exec response):
 *   Chunk ID: 3f2a9c
 *   Wall time: 0.2513 seconds
 *   Process exited with code 0       ← or: Process running with session ID 41027
 *   Original token count: 12
 *   Output:
 *   …
 */
import type { OutputText } from './output-capture.js';
import { countLines, formattedTruncateText, truncateMiddle } from './truncate.js';

/** Codex's default output budget for one command: 10,000 tokens (≈ 40 KB). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 10_000;

interface ExecSummary {
  /** Shell-style exit code: 124 for a timeout, 128+n for a signal. */
  exitCode: number;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /** The signal that ended the process when it was not our timeout or abort. */
  signal: string | null;
  output: OutputText;
  /** Lines in the whole output. */
  totalLines: number;
}

/** Seconds rounded to one decimal, printed like Rust prints an f32 (`2`, `0.1`). */
function wallTimeSeconds(durationMs: number): string {
  return String(Math.round(durationMs / 100) / 10);
}

/** A line put before the output to say why it ended, as Codex does for timeouts. */
function outcomeNote(summary: Pick<ExecSummary, 'timedOut' | 'aborted' | 'signal' | 'durationMs'>): string {
  const ms = Math.floor(summary.durationMs);
  if (summary.timedOut) return `command timed out after ${ms} milliseconds\n`;
  if (summary.aborted) return `command aborted by the user after ${ms} milliseconds\n`;
  if (summary.signal) return `command terminated by signal ${summary.signal}\n`;
  return '';
}

export function formatShellOutput(summary: ExecSummary, maxTokens = DEFAULT_MAX_OUTPUT_TOKENS): string {
  const note = outcomeNote(summary);
  const content: OutputText = { ...summary.output, head: note + summary.output.head };
  const totalLines = summary.totalLines + countLines(note);
  const formatted = truncateMiddle(content, maxTokens * 4).text;
  const sections = [
    `Exit code: ${summary.exitCode}`,
    `Wall time: ${wallTimeSeconds(summary.durationMs)} seconds`,
  ];
  if (countLines(formatted) !== totalLines) sections.push(`Total output lines: ${totalLines}`);
  sections.push('Output:', formatted);
  return sections.join('\n');
}

interface UnifiedExecResponse {
  chunkId: string;
  wallTimeMs: number;
  /** Set when the process has exited (the session is gone). */
  exitCode: number | null;
  /** Set while the process is still running. */
  sessionId: number | null;
  output: OutputText;
  totalLines: number;
  /** Size of the output before truncation, in approximate tokens. */
  originalTokenCount: number;
  maxOutputTokens: number;
}

export function formatUnifiedExecResponse(response: UnifiedExecResponse): string {
  const sections: string[] = [];
  if (response.chunkId !== '') sections.push(`Chunk ID: ${response.chunkId}`);
  sections.push(`Wall time: ${(response.wallTimeMs / 1000).toFixed(4)} seconds`);
  if (response.exitCode !== null) sections.push(`Process exited with code ${response.exitCode}`);
  // Codex says "session ID" here because models are trained on it.
  if (response.sessionId !== null) sections.push(`Process running with session ID ${response.sessionId}`);
  sections.push(`Original token count: ${response.originalTokenCount}`);
  sections.push(
    'Output:',
    formattedTruncateText(response.output, response.totalLines, response.maxOutputTokens),
  );
  return sections.join('\n');
}

/**
 * The output as shown in a command item (`aggregated_output`): all of it when it was all kept,
 * otherwise head and tail around a line that says how much is missing and, when known, how many
 * lines the whole output had (front ends read it back with `outputLines`).
 */
export function displayOutput(output: OutputText & { totalLines?: number }): string {
  if (output.omittedBytes === 0) return output.head + output.tail;
  const separator = output.head === '' || output.head.endsWith('\n') ? '' : '\n';
  const lines = output.totalLines === undefined ? '' : ` (${output.totalLines} lines in all)`;
  return `${output.head}${separator}[… ${output.omittedBytes} bytes omitted${lines} …]\n${output.tail}`;
}

const OMISSION_LINE = /^\[… \d+ bytes omitted(?: \((\d+) lines in all\))? …\]$/;

/** A preview of an output: its first and last lines, and how many lines lie between. */
type OutputPreview = Array<string | { more: number }>;

/**
 * The first `head` and last `tail` lines of a command item's `aggregated_output` with, between
 * them, how many lines of the whole output are not shown: counted from the line total that
 * `displayOutput`'s omission line states, not from what was kept.
 */
export function outputPreview(aggregated: string, head: number, tail: number): OutputPreview {
  if (aggregated === '') return [];
  const lines = aggregated.replace(/\n$/, '').split('\n');
  const at = lines.findIndex((line) => OMISSION_LINE.test(line));
  const stated = at < 0 ? undefined : OMISSION_LINE.exec(lines[at]!)?.[1];
  if (at >= 0) lines.splice(at, 1);
  const total = stated === undefined ? lines.length : Math.max(lines.length, Number(stated));
  if (total <= head + tail + 1 && at < 0) return lines;
  // Few kept lines (very long ones) around the gap: all of them, the gap where it was.
  if (lines.length <= head + tail) {
    const gap = at < 0 ? lines.length : at;
    return [...lines.slice(0, gap), { more: total - lines.length }, ...lines.slice(gap)];
  }
  return [...lines.slice(0, head), { more: total - head - tail }, ...(tail > 0 ? lines.slice(-tail) : [])];
}
