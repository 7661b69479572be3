/**
 * Runs tool calls: resolves and validates each call, schedules it under the read/write lock, and
 * turns whatever happens (a result, a rejection, an exception, an interrupt) into the call's output.
 * Never throws: every call gets exactly one output.
 */

import type { OversizedInput } from '../model/types.js';
import {
  ABORTED_OUTPUT,
  type ContentPart,
  type ToolCallItem,
  type ToolOutputItem,
} from '../protocol/items.js';
import { oversizedCallMessage } from '../tools/limits.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolContext, ToolResult } from '../tools/types.js';
import { RwLock } from './rw-lock.js';

interface ToolRunnerDeps {
  registry: ToolRegistry;
  /** Builds the context a tool runs with (cwd, policies, item sink, …). */
  context(call: ToolCallItem, signal: AbortSignal): ToolContext;
  /** Told about calls rejected before running (unknown tool, bad arguments, crash). */
  onRejected(call: ToolCallItem, message: string): void;
}

function textOf(parts: ContentPart[]): string {
  return parts.map((part) => (part.type === 'input_image' ? '[image]' : part.text)).join('\n');
}

function outputItem(call: ToolCallItem, output: ToolResult['output']): ToolOutputItem {
  if (call.type === 'custom_tool_call') {
    return {
      type: 'custom_tool_call_output',
      call_id: call.call_id,
      output: typeof output === 'string' ? output : textOf(output),
    };
  }
  if (typeof output === 'string') return { type: 'function_call_output', call_id: call.call_id, output };
  // Function outputs take input parts only; assistant-style text becomes input_text.
  const parts = output.map((part) =>
    part.type === 'output_text' ? ({ type: 'input_text', text: part.text } as const) : part,
  );
  return { type: 'function_call_output', call_id: call.call_id, output: parts };
}

export class ToolRunner {
  private readonly lock = new RwLock();

  constructor(private readonly deps: ToolRunnerDeps) {}

  /** Lets the tools load what their calls will need (ToolRegistry.prepare). */
  prepare(): void {
    this.deps.registry.prepare();
  }

  /**
   * Starts `call` now, or once `ready` resolves (the durable log holds the call); the promise
   * resolves with its output item once it has finished. A call whose `ready` rejects never runs. A
   * call the model layer found over the input limit (`oversized`: its input was not kept) is refused
   * as the registry refuses one that arrived whole.
   */
  start(
    call: ToolCallItem,
    signal: AbortSignal,
    oversized?: OversizedInput,
    ready?: Promise<void>,
  ): Promise<ToolOutputItem> {
    if (oversized) {
      const message = oversizedCallMessage(
        call.name,
        `at least ${oversized.atLeastBytes}`,
        oversized.maxBytes,
      );
      this.deps.onRejected(call, message);
      return Promise.resolve(outputItem(call, message));
    }
    const resolved = this.deps.registry.resolve(call);
    if (!resolved.ok) {
      this.deps.onRejected(call, resolved.error);
      return Promise.resolve(outputItem(call, resolved.error));
    }
    if (!ready) return this.run(call, resolved.handler, resolved.args, signal);
    return ready.then(
      () => this.run(call, resolved.handler, resolved.args, signal),
      (err: unknown) => {
        const message = `Tool ${call.name} was not run: ${err instanceof Error ? err.message : String(err)}`;
        this.deps.onRejected(call, message);
        return outputItem(call, message);
      },
    );
  }

  private async run(
    call: ToolCallItem,
    handler: NonNullable<ReturnType<ToolRegistry['get']>>,
    args: unknown,
    signal: AbortSignal,
  ): Promise<ToolOutputItem> {
    const release = handler.parallel ? await this.lock.read() : await this.lock.write();
    try {
      if (signal.aborted) return outputItem(call, ABORTED_OUTPUT);
      const result = await handler.run(args, this.deps.context(call, signal));
      // An interrupted tool reports failure; the model sees the conventional "aborted".
      if (signal.aborted && !result.success) return outputItem(call, ABORTED_OUTPUT);
      return outputItem(call, result.output);
    } catch (err) {
      if (signal.aborted) return outputItem(call, ABORTED_OUTPUT);
      const message = `Tool ${call.name} failed: ${err instanceof Error ? err.message : String(err)}`;
      this.deps.onRejected(call, message);
      return outputItem(call, message);
    } finally {
      release();
    }
  }
}
