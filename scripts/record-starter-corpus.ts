/**
 * Records the starter corpus's exchanges (eval/corpus/npm-regressions/<case>/recordings/) with the
 * scripted reviewer of test/eval/starter-reviewer.ts, through the built binary:
 *
 *   npm run build && npx tsx scripts/record-starter-corpus.ts
 *
 * A real model's run is recorded the same way, without this script:
 * `spool eval incidents eval/corpus/npm-regressions --model M --record`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../test/emulator/index.js';
import { starterReviewer } from '../test/eval/starter-reviewer.js';

const root = path.resolve(import.meta.dirname, '..');
const corpus = path.join(root, 'eval/corpus/npm-regressions');
const emulator = await startEmulator({ script: starterReviewer });
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-record-'));
try {
  // Not spawnSync: the emulator answers from this process's event loop.
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin/spool'),
      'eval',
      'incidents',
      corpus,
      '--record',
      '--label',
      'scripted-reviewer',
      '--concurrency',
      '1',
      '--out',
      path.join(home, 'out'),
    ],
    {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        SPOOL_HOME: home,
        OPENAI_BASE_URL: emulator.url,
        OPENAI_API_KEY: 'scripted',
      },
      stdio: 'inherit',
    },
  );
  process.exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
} finally {
  await emulator.close();
  fs.rmSync(home, { recursive: true, force: true });
}
