/**
 * Bounded tool calls: an input over `tool_arguments_max_bytes` is refused, with an error that names
 * the limit, before it is parsed (no JSON tree, no patch lines, no diff), so a 10 MB or 50 MB call
 * costs no more memory than its own string; nothing runs and no file changes. Checked on the
 * default tool set in-process, and end to end through the built binary with a configured limit.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolCallItem } from '../../src/protocol/items.js';
import { builtinTools } from '../../src/session/tools.js';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir, testSettings } from '../support/thread.js';

v8.setFlagsFromString('--expose-gc');
/** A full collection, so heap figures count live objects only. */
const gc = vm.runInNewContext('gc') as () => void;

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A patch adding one file of about `bytes` bytes. */
function bigPatch(bytes: number, file = 'big.txt'): string {
  const line = `+${'x'.repeat(99)}\n`;
  return `*** Begin Patch\n*** Add File: ${file}\n${line.repeat(Math.ceil(bytes / line.length))}*** End Patch`;
}

const functionCall = (name: string, args: string): ToolCallItem => ({
  type: 'function_call',
  name,
  arguments: args,
  call_id: 'call_big',
});
const customCall = (name: string, input: string): ToolCallItem => ({
  type: 'custom_tool_call',
  name,
  input,
  call_id: 'call_big',
});

describe('oversized tool calls (in-process, default tools)', () => {
  it('10 MB of shell arguments and a 50 MB patch are refused before parsing, naming the limit', () => {
    const work = tempDir();
    const tools = builtinTools(testSettings({ cwd: work }));
    const calls = [
      functionCall('shell', JSON.stringify({ command: ['echo', 'A'.repeat(10_000_000)] })),
      customCall('apply_patch', bigPatch(50_000_000)),
      functionCall('apply_patch', JSON.stringify({ input: bigPatch(10_000_000) })),
      // Multi-byte text is counted in UTF-8 bytes: 1.5 M characters, 4.5 MB.
      functionCall('shell', JSON.stringify({ command: ['echo', '€'.repeat(1_500_000)] })),
    ];
    for (const call of calls) {
      gc();
      const before = process.memoryUsage().heapUsed;
      const resolved = tools.registry.resolve(call);
      const grown = process.memoryUsage().heapUsed - before;
      gc();
      expect(resolved.ok).toBe(false);
      if (resolved.ok) continue;
      expect(resolved.error).toMatch(
        /call rejected: its input is (at least )?\d+ bytes, over the limit of 4194304 bytes for one tool call \(tool_arguments_max_bytes\)/,
      );
      // Nothing was built from the input: parsing 10 MB of JSON alone allocates tens of megabytes.
      expect(grown).toBeLessThan(8 * 1024 * 1024);
    }
    expect(readdirSync(work)).toEqual([]);
  });

  it('a call just under the limit is parsed and run as usual', async () => {
    const work = tempDir();
    const tools = builtinTools(
      testSettings({ cwd: work, toolLimits: { argumentsMaxBytes: 200_000, patchFileMaxBytes: 1_000_000 } }),
    );
    expect(tools.registry.resolve(customCall('apply_patch', bigPatch(150_000))).ok).toBe(true);
    const over = tools.registry.resolve(customCall('apply_patch', bigPatch(250_000)));
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.error).toContain('over the limit of 200000 bytes');
  });
});

describe('oversized tool calls (the built binary)', () => {
  it('a patch over the configured limit: a clear error to the model, no file, the turn goes on', async () => {
    const work = tempDir();
    emulator = await startEmulator({
      script: [
        respond({
          type: 'custom_tool_call',
          name: 'apply_patch',
          input: bigPatch(2_000_000),
          delta_size: 65_536,
        }),
        respond(say('understood')),
      ],
    });
    const run = await runSpool(
      [
        'exec',
        '--skip-git-repo-check',
        '-s',
        'workspace-write',
        '-c',
        'tool_arguments_max_bytes=1000000',
        'go',
      ],
      {
        cwd: work,
        env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: tempDir('spool-home-') },
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('understood');
    const second = JSON.stringify(emulator.requests[1]?.body?.input ?? []);
    expect(second).toContain('over the limit of 1000000 bytes for one tool call (tool_arguments_max_bytes)');
    expect(existsSync(path.join(work, 'big.txt'))).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });
});
