/**
 * The README's install lines, for real: `npm install -g .` in a fresh checkout (the tracked files
 * only: no node_modules, no dist) and `npm install -g` of `npm pack`'s tarball, each into a
 * temporary prefix; then the installed `spool` runs a turn against the emulator.
 *
 * npm comes from PATH and packages from its cache when it has them (`--prefer-offline`): `npm ci`
 * has just filled it on any machine that runs this suite.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
/** Big folders (installed dependencies) removed after the test. */
const made: string[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const dir of made.splice(0)) await fs.promises.rm(dir, { recursive: true, force: true });
  // A checkout's node_modules holds tens of thousands of files.
}, 10 * 60_000);

function bigDir(prefix: string): string {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
}

/** The environment of a person's shell: none of the `npm_*` variables of the `npm test` running us. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

function npm(args: string[], cwd: string): void {
  const run = spawnSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 20 * 60_000,
  });
  expect(run.status, `npm ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
}

/** A checkout as `git clone` leaves it: the tracked files of this repository, nothing built. */
function freshCheckout(): string {
  const dir = bigDir('spool-checkout-');
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && fs.existsSync(path.join(ROOT, file)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  return dir;
}

/** Runs the installed binary (asynchronously: the emulator answers from this process). */
function runInstalled(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runsATurn(prefix: string): Promise<void> {
  const bin = path.join(prefix, 'bin', 'spool');
  expect(fs.existsSync(bin), `${bin} installed`).toBe(true);
  emulator = await startEmulator({ script: [respond(say('installed and working'))] });
  const run = await runInstalled(
    bin,
    ['exec', '--skip-git-repo-check', '-C', tempDir(), 'hello'],
    cleanEnv({
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: tempDir('spool-home-'),
    }),
  );
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toBe('installed and working\n');
  await emulator.close();
  emulator = undefined;
}

describe('global install', () => {
  it(
    'works from a fresh checkout (npm install -g .) and from npm pack’s tarball',
    async () => {
      const checkout = freshCheckout();
      expect(fs.existsSync(path.join(checkout, 'node_modules'))).toBe(false);
      expect(fs.existsSync(path.join(checkout, 'dist'))).toBe(false);

      const fromCheckout = bigDir('spool-prefix-');
      npm(['install', '-g', '.', '--prefix', fromCheckout], checkout);
      await runsATurn(fromCheckout);

      npm(['pack', '--pack-destination', checkout], checkout);
      const tarball = fs.readdirSync(checkout).find((name) => /^spool-.*\.tgz$/.test(name));
      expect(tarball).toBeDefined();
      const fromTarball = bigDir('spool-prefix-');
      npm(['install', '-g', path.join(checkout, tarball!), '--prefix', fromTarball], tempDir());
      // Installed as files, not a link back to the checkout.
      expect(fs.lstatSync(path.join(fromTarball, 'lib', 'node_modules', 'spool')).isSymbolicLink()).toBe(
        false,
      );
      fs.rmSync(checkout, { recursive: true, force: true });
      await runsATurn(fromTarball);
    },
    40 * 60_000,
  );
});
