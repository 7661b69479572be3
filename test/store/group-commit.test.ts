/**
 * The session log reaches the disk by group commit off the main thread, and a tool still never
 * starts before its call is on the disk (issue 18 item 3). Observed from outside with strace on the
 * real binary: the rollout's `fdatasync`s run on thread-pool threads, the main thread (whose thread
 * id is the process id) flushing only when it creates and closes the log; and for every command the
 * model asked for, the rollout was written with the call and then flushed before the command's
 * process was executed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator, think } from '../emulator/index.js';
import { SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { storeEnv } from './support.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface TraceLine {
  tid: number;
  call: string;
  text: string;
  /** Index of the line where the call returned (itself, or its `<... resumed>` line). */
  returned: number;
  /** What it returned (0 for a successful fdatasync). */
  result: string;
}

/** strace -f output: one entry per call, with where (and what) it returned. */
function parseTrace(file: string): TraceLine[] {
  const lines: TraceLine[] = [];
  const open = new Map<string, TraceLine>();
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>.*= (-?\d+)/.exec(raw);
    if (resumed) {
      const call = open.get(`${resumed[1]} ${resumed[2]}`);
      if (call) {
        call.returned = lines.length;
        call.result = resumed[3]!;
      }
      lines.push({
        tid: Number(resumed[1]),
        call: `${resumed[2]}-resumed`,
        text: raw,
        returned: -1,
        result: '',
      });
      continue;
    }
    const match = /^(\d+)\s+(\w+)\(/.exec(raw);
    if (!match) continue;
    const line: TraceLine = { tid: Number(match[1]), call: match[2]!, text: raw, returned: -1, result: '' };
    const done = /\) += (-?\d+)/.exec(raw);
    if (done) {
      line.returned = lines.length;
      line.result = done[1]!;
    } else if (raw.includes('<unfinished ...>')) open.set(`${line.tid} ${line.call}`, line);
    lines.push(line);
  }
  return lines;
}

describe('the session log is flushed by group commit', () => {
  it.runIf(hasStrace)(
    'flushes off the main thread, and each call is flushed before its command runs',
    async () => {
      const steps = 4;
      emulator = await startEmulator({
        script: [
          ...Array.from({ length: steps }, (_, i) =>
            respond(think(`step ${i}`), shellCall(`echo marker-${i}`, { call_id: `call_gc_${i}` })),
          ),
          respond(say('done')),
        ],
      });
      const home = tempDir('spool-home-');
      const trace = path.join(tempDir(), 'trace.txt');
      // The emulator answers from this process: the traced child runs while we wait on it.
      const child = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const proc = spawn(
          'strace',
          [
            '-f',
            '-o',
            trace,
            '-y',
            '-s',
            '4096',
            '-e',
            'trace=pwrite64,write,fdatasync,execve',
            process.execPath,
            SPOOL_BIN,
            'exec',
            '--json',
            '--skip-git-repo-check',
            '-s',
            'danger-full-access',
            'go',
          ],
          {
            cwd: tempDir(),
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...storeEnv(emulator!, home) },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        proc.stderr.on('data', (d) => {
          stderr += d;
        });
        proc.on('error', reject);
        proc.on('close', (code) => resolve({ code, stderr }));
      });
      expect(child.code, child.stderr).toBe(0);

      const lines = parseTrace(trace);
      const main = lines.find((l) => l.call === 'execve' && l.text.includes(SPOOL_BIN))?.tid;
      expect(main).toBeDefined();
      const rollout = (l: TraceLine) => /<[^>]*rollout-[^>]*\.jsonl>/.test(l.text);

      const syncs = lines.filter((l) => l.call === 'fdatasync' && rollout(l));
      expect(syncs.length).toBeGreaterThan(0);
      // On the main thread only creating the log and closing it flush (it used to be every item:
      // reasoning, call, output and commit of every step).
      expect(syncs.filter((l) => l.tid === main).length).toBeLessThanOrEqual(2);
      expect(syncs.filter((l) => l.tid !== main).length).toBeGreaterThan(0);

      for (let i = 0; i < steps; i++) {
        const written = lines.findIndex(
          (l) =>
            (l.call === 'pwrite64' || l.call === 'write') && rollout(l) && l.text.includes(`call_gc_${i}`),
        );
        const ran = lines.findIndex((l) => l.call === 'execve' && l.text.includes(`marker-${i}`));
        expect(written, `the call of step ${i} is written`).toBeGreaterThanOrEqual(0);
        expect(ran, `the command of step ${i} runs`).toBeGreaterThan(written);
        const flushed = lines.find(
          (l, index) => index > written && l.call === 'fdatasync' && rollout(l) && l.result === '0',
        );
        expect(flushed, `step ${i}: the call is flushed`).toBeDefined();
        expect(flushed!.returned, `step ${i}: the flush returns before the command runs`).toBeLessThan(ran);
        expect(flushed!.returned).toBeGreaterThan(written);
      }
    },
    120_000,
  );
});
