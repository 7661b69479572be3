/**
 * Installs the peers from the npm registry into a scratch folder of the bench's own (never as
 * project dependencies), once per version: pi (`@mariozechner/pi-coding-agent`) and Codex CLI
 * (`@openai/codex`, whose native binary ships in a per-platform package it depends on).
 * A peer that cannot be installed is reported, not fatal: the bench measures the others.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PeerInstall {
  name: string;
  version: string;
  /** The executable to start. */
  binary?: string;
  /** Codex: the `@openai/codex` package folder (its launcher passes it to the binary). */
  packageRoot?: string;
  error?: string;
}

export const PI_PACKAGE = '@mariozechner/pi-coding-agent';
export const CODEX_PACKAGE = '@openai/codex';

function installedVersion(prefix: string, name: string): string | undefined {
  const manifest = path.join(prefix, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
}

/** Codex's Rust target triple and platform package for this machine, as its launcher picks them. */
function codexTarget(): { triple: string; pkg: string } | undefined {
  if (process.platform !== 'linux') return undefined;
  if (process.arch === 'x64') return { triple: 'x86_64-unknown-linux-musl', pkg: '@openai/codex-linux-x64' };
  if (process.arch === 'arm64')
    return { triple: 'aarch64-unknown-linux-musl', pkg: '@openai/codex-linux-arm64' };
  return undefined;
}

async function npmInstall(prefix: string, specs: string[]): Promise<void> {
  mkdirSync(prefix, { recursive: true });
  const manifest = path.join(prefix, 'package.json');
  if (!existsSync(manifest)) {
    writeFileSync(manifest, `${JSON.stringify({ name: 'spool-bench-peers', private: true }, null, 2)}\n`);
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', ...specs], {
    cwd: prefix,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Installs whatever is missing, then locates each peer's executable. */
export async function installPeers(
  prefix: string,
  versions: { pi: string; codex: string },
): Promise<{ pi: PeerInstall; codex: PeerInstall }> {
  const wanted = [
    { name: PI_PACKAGE, version: versions.pi },
    { name: CODEX_PACKAGE, version: versions.codex },
  ];
  const missing = wanted.filter((p) => installedVersion(prefix, p.name) !== p.version);
  let installError: string | undefined;
  if (missing.length > 0) {
    process.stderr.write(
      `installing ${missing.map((p) => `${p.name}@${p.version}`).join(', ')} into ${prefix}\n`,
    );
    try {
      await npmInstall(
        prefix,
        missing.map((p) => `${p.name}@${p.version}`),
      );
    } catch (err) {
      installError = `npm install failed: ${String((err as { stderr?: string }).stderr ?? err)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')}`;
    }
  }

  const pi: PeerInstall = { name: PI_PACKAGE, version: versions.pi };
  const piRoot = path.join(prefix, 'node_modules', PI_PACKAGE);
  if (installedVersion(prefix, PI_PACKAGE) !== versions.pi) pi.error = installError ?? 'not installed';
  else {
    const bin = (
      JSON.parse(readFileSync(path.join(piRoot, 'package.json'), 'utf8')) as { bin?: Record<string, string> }
    ).bin?.pi;
    if (bin) pi.binary = path.join(piRoot, bin);
    else pi.error = 'the package has no `pi` bin';
  }

  const codex: PeerInstall = { name: CODEX_PACKAGE, version: versions.codex };
  const target = codexTarget();
  if (!target) codex.error = `no Codex binary for ${process.platform}/${process.arch} in this bench`;
  else if (installedVersion(prefix, CODEX_PACKAGE) !== versions.codex)
    codex.error = installError ?? 'not installed';
  else {
    codex.packageRoot = path.join(prefix, 'node_modules', CODEX_PACKAGE);
    const binary = path.join(prefix, 'node_modules', target.pkg, 'vendor', target.triple, 'bin', 'codex');
    if (existsSync(binary)) codex.binary = binary;
    else codex.error = `the native binary is missing (${path.relative(prefix, binary)})`;
  }
  return { pi, codex };
}
