/**
 * The size check on a tool call's input, made before the input is parsed: a 10 MB argument string
 * parsed as JSON, validated, split into patch lines and diffed costs many times its size in memory,
 * so the size alone decides first (limits: config/tool-limits.ts).
 */

/**
 * How `text` is over `max` UTF-8 bytes ('at least N' or exactly N), or undefined when it is not. A
 * string with more UTF-16 units than the limit is over it without counting (every unit is at least
 * one byte), so the largest inputs are judged without touching their contents.
 */
function sizeOver(text: string, max: number): string | undefined {
  if (text.length > max) return `at least ${text.length}`;
  if (text.length <= max / 3) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > max ? String(bytes) : undefined;
}

/** The error for the model when `raw` (a call's input) is over the limit; undefined when it is not. */
export function oversizedCallError(tool: string, raw: string, maxBytes: number): string | undefined {
  const bytes = sizeOver(raw, maxBytes);
  return bytes === undefined ? undefined : oversizedCallMessage(tool, bytes, maxBytes);
}

/** The error for the model about a call whose input was `bytes` ('at least N' or N) over `maxBytes`. */
export function oversizedCallMessage(tool: string, bytes: string, maxBytes: number): string {
  const advice =
    tool === 'apply_patch'
      ? 'Split the change into several smaller patches, or write large generated files with a command.'
      : 'Send less in one call (write large data to a file with several smaller calls).';
  return `${tool} call rejected: its input is ${bytes} bytes, over the limit of ${maxBytes} bytes for one tool call (tool_arguments_max_bytes). Nothing was run and no file was changed. ${advice}`;
}
