/**
 * The first command of a process against the later ones: the built `spool exec` runs `echo N`
 * three times; the gap between the end of the response that asked for a command and the arrival
 * of the request that carries its output is the harness's time for that step (the command itself
 * takes a few milliseconds). Baseline: the same gap for the third command, in the same process.
 *
 *   npm run build && npx tsx bench/first-command.ts
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { respond, say, shellCall, startEmulator } from '../test/emulator/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repeats = Number(process.env.BENCH_REPEATS ?? 5);

async function once(): Promise<number[]> {
  const ended: number[] = [];
  const arrived: number[] = [];
  const emulator = await startEmulator({
    script: [1, 2, 3].map((n) => respond(shellCall(`echo ${n}`))).concat(respond(say('done'))),
    onRequest: () => arrived.push(performance.now()),
    onResponseEnd: () => ended.push(performance.now()),
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-bench-first-'));
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin/spool'),
      'exec',
      '--skip-git-repo-check',
      '-s',
      'danger-full-access',
      '-C',
      dir,
      'go',
    ],
    {
      stdio: 'ignore',
      env: {
        ...process.env,
        OPENAI_BASE_URL: emulator.url,
        OPENAI_API_KEY: 'bench',
        SPOOL_HOME: path.join(dir, 'home'),
      },
    },
  );
  await new Promise((resolve) => child.on('exit', resolve));
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
  // Gap i: response i ended → request i+1 arrived (the command of step i ran in between).
  return [0, 1, 2].map((i) => (arrived[i + 1] ?? Number.NaN) - (ended[i] ?? Number.NaN));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const runs: number[][] = [];
for (let i = 0; i < repeats; i++) runs.push(await once());
const first = median(runs.map((r) => r[0] ?? 0));
const third = median(runs.map((r) => r[2] ?? 0));
console.log(
  JSON.stringify({
    repeats,
    first_command_step_ms: Math.round(first),
    third_command_step_ms: Math.round(third),
    ratio: Number((first / third).toFixed(2)),
  }),
);
