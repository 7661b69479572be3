/**
 * Tools prepare (ToolHandler.prepare: the shell tools load the bash parser) once a request is on
 * the wire, never before: preparing ran ~20 ms of the main thread before the first request had left
 * and delayed it by as much (issue 18).
 */
import { describe, expect, it } from 'vitest';
import { ToolRegistry } from '../../src/tools/registry.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import type { ToolHandler } from '../../src/tools/types.js';
import { call, respond, say, startEmulator, unauthorized401 } from '../emulator/index.js';
import { perTestScratch } from '../support/scratch.js';
import { threadOn } from '../support/thread.js';
import { echoTool, type RunLog } from '../support/tools.js';

const scratch = perTestScratch();

describe('preparing tools', () => {
  it('happens once per request, after the emulator has it, and before the call it serves runs', async () => {
    const emulator = scratch.use(
      await startEmulator({ script: [respond(call('echo', { text: 'a' })), respond(say('done'))] }),
    );
    const log: RunLog = { runs: [] };
    const seen: Array<{ requestsReceived: number; toolRuns: number }> = [];
    const echo: ToolHandler = {
      ...(echoTool(log) as ToolHandler),
      prepare: () => seen.push({ requestsReceived: emulator.requests.length, toolRuns: log.runs.length }),
    };
    const { thread } = threadOn(emulator, new ToolRegistry([echo]));

    const outcome = await thread.runTurn('go');

    expect(outcome).toMatchObject({ status: 'completed', finalMessage: 'done' });
    expect(seen).toEqual([
      { requestsReceived: 1, toolRuns: 0 },
      { requestsReceived: 2, toolRuns: 1 },
    ]);
  });

  it('waits for a request the model answers: one refused (401) prepares nothing', async () => {
    const emulator = scratch.use(await startEmulator({ script: [unauthorized401()] }));
    const prepared: number[] = [];
    const echo: ToolHandler = { ...(echoTool({ runs: [] }) as ToolHandler), prepare: () => prepared.push(1) };
    const { thread } = threadOn(emulator, new ToolRegistry([echo]));

    const outcome = await thread.runTurn('go');

    expect(outcome.status).toBe('failed');
    expect(emulator.requests).toHaveLength(1);
    expect(prepared).toEqual([]);
  });

  it('runs each distinct prepare of a registry once, hidden handlers included', () => {
    const calls: string[] = [];
    const shared = () => calls.push('shared');
    const a: ToolHandler = { ...(echoTool({ runs: [] }) as ToolHandler), prepare: shared };
    const b: ToolHandler = { ...a, name: 'echo_b', spec: { ...a.spec, name: 'echo_b' } };
    const hidden: ToolHandler = {
      ...a,
      name: 'echo_h',
      spec: { ...a.spec, name: 'echo_h' },
      prepare: () => calls.push('hidden'),
    };
    const plain: ToolHandler = {
      ...a,
      name: 'plain',
      spec: { ...a.spec, name: 'plain' },
      prepare: undefined,
    };

    new ToolRegistry([a, b, plain], [hidden]).prepare();

    expect(calls.sort()).toEqual(['hidden', 'shared']);
  });

  it('is how the shell tools that take commands load the bash parser', () => {
    const shell = createShellTools(new ExecSessionManager());
    expect([shell.shell, shell.shellCommand, shell.execCommand].map((h) => typeof h.prepare)).toEqual([
      'function',
      'function',
      'function',
    ]);
    // write_stdin sends input to a running command and parses nothing.
    expect(shell.writeStdin.prepare).toBeUndefined();
  });
});
