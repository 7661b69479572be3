/** Shared helpers for apply_patch tests: temp trees and exact snapshots of them. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runApplyPatchCommand } from '../../src/cli/apply-patch-command.js';

export async function makeTempDir(prefix = 'spool-ap-'): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** Every directory (as `dir/`) and every file (with its bytes) under `root`, by relative path. */
export async function snapshotTree(root: string): Promise<Map<string, Buffer | 'dir'>> {
  const out = new Map<string, Buffer | 'dir'>();
  // Symlinks are recorded as `-> target`, never followed.
  async function walk(dir: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full);
      if (entry.isSymbolicLink()) {
        out.set(rel, Buffer.from(`-> ${await fs.readlink(full)}`));
      } else if (entry.isDirectory()) {
        out.set(`${rel}/`, 'dir');
        await walk(full);
      } else {
        out.set(rel, await fs.readFile(full));
      }
    }
  }
  await walk(root);
  return out;
}

/** Snapshot as plain strings, so a failing comparison prints readably. */
export function describeTree(tree: Map<string, Buffer | 'dir'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...tree.keys()].sort()) {
    const value = tree.get(key);
    out[key] = value === 'dir' ? '<dir>' : JSON.stringify((value as Buffer).toString('utf8'));
  }
  return out;
}

/** Copies `from` into `to`, making everything writable (the shared fixtures are read-only). */
export async function copyTree(from: string, to: string): Promise<void> {
  await fs.cp(from, to, { recursive: true });
  async function fix(dir: string): Promise<void> {
    await fs.chmod(dir, 0o755);
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await fix(full);
      else await fs.chmod(full, 0o644);
    }
  }
  await fix(to);
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content);
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI entry point in-process with real streams. */
export async function runCli(cwd: string, patchArg: string | undefined, stdinText = ''): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runApplyPatchCommand(patchArg, {
    cwd,
    stdin: Readable.from([stdinText]),
    stdout,
    stderr,
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
