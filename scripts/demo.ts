/**
 * `npm run demo`: a short SCRIPTED session — no model account needed. It starts the model emulator
 * with test/emulator/scripts/demo.json (a pre-written "model" that runs a command and answers) and
 * runs the real `spool exec` binary against it in a temporary directory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Step } from '../test/emulator/index.js';
import { startEmulator } from '../test/emulator/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scriptFile = path.join(root, 'test/emulator/scripts/demo.json');
const raw = JSON.parse(fs.readFileSync(scriptFile, 'utf8')) as { steps?: Step[] } | Step[];
const steps = Array.isArray(raw) ? raw : (raw.steps ?? []);

const emulator = await startEmulator({ script: steps });
const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-demo-'));
fs.writeFileSync(path.join(workdir, 'README.md'), '# demo project\n');

process.stderr.write('── Spool demo: a SCRIPTED model (the emulator), not a real one ──\n\n');
const child = spawn(
  process.execPath,
  [
    path.join(root, 'bin/spool'),
    'exec',
    '--skip-git-repo-check',
    '-s',
    'danger-full-access',
    '-C',
    workdir,
    'What is in this project?',
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'demo-key-not-real' },
  },
);
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await emulator.close();
fs.rmSync(workdir, { recursive: true, force: true });
process.exit(code);
