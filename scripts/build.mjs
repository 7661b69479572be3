// Builds the CLI as one bundled file, dist/spool.cjs, with esbuild (tsc only type-checks).
//
// Why one file: Node resolves, reads and compiles ~400 separate modules before the first request;
// one file is read once, and bin/spool compiles it with a V8 code cache, which Node 20 offers only
// for scripts, not for ES modules, hence CommonJS output. Every `await import('./x.js')` of our own
// code stays lazy inside the bundle: esbuild wraps each module in an init function that runs on
// first import, so `spool exec` still never runs UI code. Which modules each command can reach is
// written to dist/meta.json (test/cli/lazy-loading.test.ts reads it).

import { readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);
await rm(dist, { recursive: true, force: true });
const result = await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/spool.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: process.env.SPOOL_BUILD_NO_MINIFY !== '1',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // tree-sitter-bash is only a .wasm file, found where it is installed (src/sandbox/bash-parser.ts,
  // which points web-tree-sitter, bundled, at its own .wasm the same way). The fleet's packages
  // (BullMQ, its Redis client, the dashboard's Bull Board and Express) and the
  // OpenTelemetry SDK with its exporters are most of what the bundle would be (~3.6 MB of
  // 5.6), and no `spool exec` without [otel] runs any of them; yet every start reads the whole
  // bundle and keeps its text for as long as the process lives (V8 compiles functions lazily from
  // it). They stay installed packages, required from node_modules by the modules that use them
  // (test/cli/lazy-loading.test.ts checks exec reaches none of them).
  external: [
    'tree-sitter-bash',
    'bullmq',
    'ioredis',
    '@bull-board/*',
    'express',
    '@opentelemetry/*',
    '@grpc/grpc-js',
  ],
  // web-tree-sitter's CommonJS build: its ES module build declares a `require` of its own in the
  // function that also imports `module`, which breaks once that import() becomes a require().
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/tree-sitter.cjs' },
  // import() becomes require(): bin/spool runs the bundle from a V8 code cache, and code deserialised
  // from one has lost the callback Node's import() needs ("A dynamic import callback was not
  // specified"), so every import() left in the bundle — the OpenTelemetry exporters load node:http
  // that way — failed on every run but the first.
  supported: { 'dynamic-import': false },
  // CommonJS has no import.meta: the two modules that use it (createRequire) get the bundle's URL.
  define: { 'import.meta.url': '__spoolBundleUrl' },
  banner: { js: "const __spoolBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await writeFile(new URL('meta.json', dist), JSON.stringify(result.metafile));

// Pure ASCII, so bin/spool can read the bundle as a one-byte string (half the memory of the
// two-byte string one non-ASCII character forces, for as long as the process runs: V8 keeps the
// source to compile functions lazily). esbuild escapes strings but leaves regular expression
// literals as written; `\uXXXX` means the same character in both.
const bundle = new URL('spool.cjs', dist);
const text = await readFile(bundle, 'utf8');
const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
await writeFile(bundle, ascii);
