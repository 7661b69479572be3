/**
 * The side-by-side bench's own logic (bench/peers/): what it counts as harness time, how it reads
 * back a command's own timing, which tool call it scripts for each harness, and one real session of
 * the built binary through it. Speed itself is measured by the bench, never asserted here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spoolHarness } from '../bench/peers/harnesses.js';
import { commandFor, commandTiming, runSession, shellCallFor } from '../bench/peers/session.js';
import { type RequestTiming, sessionFigures } from '../bench/peers/stats.js';
import { SPOOL_BIN } from './support/spool-bin.js';

const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function request(receivedAt: number, answeredAt: number, extra: Partial<RequestTiming> = {}): RequestTiming {
  return { receivedAt, answeredAt, bytes: 1000, inputTokens: 2048, cachedTokens: 0, ...extra };
}

describe('bench:peers figures', () => {
  it('counts as harness gap the idle time between an answer and the next request, less the command', () => {
    const figures = sessionFigures([
      request(100, 110),
      request(150, 160, { command: { startAt: 120, endAt: 130 }, cachedTokens: 1920 }),
      request(200, 205, { command: { startAt: 170, endAt: 171 } }),
    ]);
    // (150 − 110) − 10 and (200 − 160) − 1
    expect(figures.gapsMs).toEqual([30, 39]);
    expect(figures.beforeCommandMs).toEqual([10, 10]);
    expect(figures.afterCommandMs).toEqual([20, 29]);
    expect(figures.streamMs).toBe(10 + 10 + 5);
    expect(figures.commandMs).toBe(11);
    expect(figures.bytesSent).toBe(3000);
    // The limit: each request reusing all of the previous one, in 128-token steps.
    expect(figures.cacheLimitTokens).toBe(2 * 2048);
    expect(figures.cachedTokens).toBe(1920);
    expect(figures.untimedIterations).toBe(0);
  });

  it('counts an iteration whose command output never came back, without a command time', () => {
    const figures = sessionFigures([request(0, 10), request(50, 60)]);
    expect(figures.gapsMs).toEqual([40]);
    expect(figures.untimedIterations).toBe(1);
  });

  it('reads a command’s own stamps from the JSON a harness sends, not from the command text', () => {
    const body = JSON.stringify({
      input: [
        { type: 'function_call', arguments: JSON.stringify({ command: commandFor(3) }) },
        {
          type: 'function_call_output',
          output: 'step 3 start 1700000000.250000\nstep 3 end 1700000000.251500\n',
        },
        { type: 'function_call', arguments: JSON.stringify({ command: commandFor(4) }) },
      ],
    });
    const timing = commandTiming(body, 3, 1000);
    expect(timing?.startAt).toBeCloseTo(1_700_000_000_250 - 1000, 3);
    expect(timing?.endAt).toBeCloseTo(1_700_000_000_251.5 - 1000, 3);
    expect(commandTiming(body, 4, 0)).toBeUndefined();
  });

  it('asks each harness for the command through its own shell tool', () => {
    const command = commandFor(0);
    expect(shellCallFor([{ type: 'function', name: 'bash' }], command)).toMatchObject({
      name: 'bash',
      arguments: { command },
    });
    expect(shellCallFor([{ name: 'write_stdin' }, { name: 'exec_command' }], command)).toMatchObject({
      name: 'exec_command',
      arguments: { cmd: command },
    });
    expect(shellCallFor([{ name: 'shell_command' }], command)).toMatchObject({ arguments: { command } });
    expect(shellCallFor([{ name: 'shell' }], command)).toMatchObject({
      arguments: { command: ['bash', '-lc', command] },
    });
    expect(shellCallFor([{ name: 'apply_patch' }], command)).toBeUndefined();
  });
});

describe('bench:peers session', () => {
  it('drives the built spool through a scripted session and reads back every command', async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-peers-'));
    scratches.push(scratch);
    const result = await runSession(spoolHarness(SPOOL_BIN, 'Spool', scratch), 3, scratch);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.requests).toBe(4);
    expect(result.gapsMs).toHaveLength(3);
    expect(result.untimedIterations).toBe(0);
    expect(result.peakRssKb).toBeGreaterThan(10 * 1024);
    expect(result.launchToFirstRequestMs).toBeGreaterThan(0);
    expect(result.launchToFirstRequestMs).toBeLessThan(result.wallMs);
  }, 120_000);
});
