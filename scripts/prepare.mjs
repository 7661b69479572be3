#!/usr/bin/env node
// npm's `prepare` step: builds the bundle, dist/spool.cjs (scripts/build.mjs; on `npm install` / `npm ci` in a checkout, `npm pack`, and
// `npm install -g .`).
//
// `npm install -g .` links the checkout into the global prefix and runs this step there without
// installing the checkout's dependencies (npm does not install the dependencies of a linked folder
// outside the project). So when the bundler is missing, this installs the locked dependencies
// first (`npm ci`, scripts off: nothing here needs a native build; esbuild's binary comes as an
// optional platform package, not from a script), then builds. The installed
// `spool` then runs from the checkout with its own node_modules, as after `npm ci && npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const esbuild = path.join(root, 'node_modules', 'esbuild', 'package.json');

// An installed package (from `npm pack`'s tarball) comes built and has no sources: nothing to do.
if (!existsSync(path.join(root, 'src')) || !existsSync(path.join(root, 'scripts', 'build.mjs')))
  process.exit(0);

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(esbuild)) {
  const npm = process.env.npm_execpath;
  if (!npm) {
    process.stderr.write('spool: the dependencies are not installed; run `npm ci` in the checkout first.\n');
    process.exit(1);
  }
  process.stderr.write('spool: installing the locked dependencies in the checkout (npm ci) to build it…\n');
  // The global install's settings (global, prefix) must not apply to the checkout's own install.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_config_(global|prefix|location|install_links)$/i.test(key),
    ),
  );
  run(process.execPath, [npm, 'ci', '--ignore-scripts', '--no-audit', '--no-fund'], env);
}
run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]);
