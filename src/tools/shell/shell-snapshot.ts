/**
 * Shell snapshot (Codex's `shell_snapshot` feature; config `[features] shell_snapshot`, on by
 * default): the user's login-shell environment is captured once per session, and each command the
 * model gives as `bash -lc SCRIPT` then runs as `bash -c '. SNAPSHOT; SCRIPT'`, a non-login shell
 * that sources it. A slow login profile (pyenv, nvm, conda: 0.2–0.6 s here) is paid once, not per
 * command.
 *
 * What the snapshot holds: the exported variables the login profile added or changed (relative to
 * the environment commands get anyway) and the shell functions it defined. Not aliases: a
 * non-interactive `bash -lc` does not expand them either. Never a variable the secret rules drop
 * (sandbox/environment.ts): a token a profile exports stays out of the file and of every command.
 *
 * Where it runs and lives: captured like a command, inside the sandbox when the session has one
 * (the profile is code the sandbox could have written), and used only for commands that run the
 * same way. Spool writes the file (mode 0600) and removes it when the thread closes. It must be
 * readable by sandboxed commands and writable by none of them, so with a sandbox it goes in a
 * private directory (0700, ours) outside every writable root and outside the Spool home, which
 * sandboxes cannot see: `$XDG_RUNTIME_DIR/spool-shell-snapshots` or `/run/spool-shell-snapshots-UID`.
 * Without a sandbox it goes in `$SPOOL_HOME/shell_snapshots`. When no such place exists, or on any
 * failure (no bash, a profile that fails or hangs past 10 s, output that does not parse), commands
 * stay on `bash -lc`, as before.
 */

import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { onSystemError } from '../../protocol/errors.js';
import { secretRuleFor } from '../../sandbox/environment.js';
import type { SandboxLaunchOptions } from '../../sandbox/launch-request.js';
import { effectiveWritableRoots } from '../../sandbox/writable-roots.js';
import { isWithin } from '../../sandbox/write-policy.js';
import type { ToolContext } from '../types.js';
import { spoolHomeOf } from './command-gate.js';
import { runProcess } from './process.js';
import { commandSpec } from './sandboxed-spec.js';

/** Codex gives its capture 10 s as well. */
const SNAPSHOT_TIMEOUT_MS = 10_000;

/** Variables bash sets for itself (or that belong to one process) and a snapshot must not carry. */
const SHELL_OWN = new Set(['_', 'PWD', 'OLDPWD', 'SHLVL', 'SHELLOPTS', 'BASHOPTS', 'BASH_ENV', 'ENV']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CapturedShell {
  env: Record<string, string>;
  /** `declare -f` output: the functions the login shell defined. */
  functions: string;
}

/** The script a login shell runs to print its environment between markers (NUL-separated). */
function snapshotCaptureScript(marker: string): string {
  return [
    `IFS=$' \\t\\n'`,
    `printf '\\0%s\\0' '${marker}-env'`,
    `for __spool_n in $(compgen -e); do printf '%s=%s\\0' "$__spool_n" "\${!__spool_n}"; done`,
    `printf '\\0%s\\0' '${marker}-functions'`,
    `declare -f`,
    `printf '\\0%s\\0' '${marker}-end'`,
  ].join('\n');
}

/** Parses what `snapshotCaptureScript(marker)` printed; undefined when it is not all there. Pure. */
export function parseCapturedShell(stdout: string, marker: string): CapturedShell | undefined {
  const envStart = stdout.indexOf(`\0${marker}-env\0`);
  const functionsStart = stdout.indexOf(`\0${marker}-functions\0`);
  const end = stdout.indexOf(`\0${marker}-end\0`);
  if (envStart < 0 || functionsStart < envStart || end < functionsStart) return undefined;
  const env: Record<string, string> = {};
  const entries = stdout.slice(envStart + marker.length + 6, functionsStart).split('\0');
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const functions = stdout.slice(functionsStart + marker.length + 12, end);
  return { env, functions };
}

function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The snapshot file: `export` lines for what the profile added or changed relative to `base` (the
 * environment every command gets), minus secrets and bash's own variables, then the functions. Pure.
 */
export function snapshotFileText(captured: CapturedShell, base: NodeJS.ProcessEnv): string {
  const lines = ['# Spool shell snapshot: the login shell environment, captured once for this session.'];
  for (const [name, value] of Object.entries(captured.env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!NAME.test(name) || SHELL_OWN.has(name) || name.startsWith('BASH_')) continue;
    if (base[name] === value) continue;
    // A credential comes from Spool's configuration (then it is in `base`) or not at all.
    if (secretRuleFor(name)) continue;
    lines.push(`export ${name}=${singleQuoted(value)}`);
  }
  if (captured.functions.trim() !== '') lines.push(captured.functions.trimEnd());
  return `${lines.join('\n')}\n`;
}

/**
 * `[bash, '-lc', script]` as `[bash, '-c', '. FILE; script']` (the script stays on line 1, so its
 * error messages name the same lines); undefined for any other argv. Pure.
 */
export function wrapWithSnapshot(argv: readonly string[], file: string): string[] | undefined {
  if (argv.length !== 3 || argv[1] !== '-lc' || path.basename(argv[0]!) !== 'bash') return undefined;
  return [argv[0]!, '-c', `. ${singleQuoted(file)}; ${argv[2]!}`];
}

/** One thread's snapshot: captured on first use, then reused; removed by `dispose()`. */
export class ShellSnapshot {
  private captured: Promise<string | undefined> | undefined;
  private file: string | undefined;

  constructor(
    private readonly shell: string,
    private readonly sandboxOptions?: SandboxLaunchOptions,
  ) {}

  /**
   * The argv to run instead of `argv` (a login-shell invocation), or `argv` itself when there is
   * no snapshot. `sandboxed`: whether this run is inside the sandbox; a snapshot captured inside
   * it is never used outside it.
   */
  async apply(argv: readonly string[], sandboxed: boolean, ctx: ToolContext): Promise<readonly string[]> {
    if (wrapWithSnapshot(argv, '') === undefined) return argv;
    const sessionSandboxed = !(ctx.bypassSandbox || ctx.sandbox.mode === 'danger-full-access');
    if (sessionSandboxed && !sandboxed) return argv;
    const file = await this.capture(ctx, sessionSandboxed);
    return file === undefined ? argv : (wrapWithSnapshot(argv, file) ?? argv);
  }

  /** Deletes the snapshot file (the thread is closing). */
  async dispose(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    if (file) await fs.rm(file, { force: true });
  }

  private capture(ctx: ToolContext, sandboxed: boolean): Promise<string | undefined> {
    this.captured ??= this.captureOnce(ctx, sandboxed).then((file) => {
      // A capture cut short by an interrupted turn is tried again by the next command.
      if (file === undefined && ctx.signal.aborted) this.captured = undefined;
      return file;
    });
    return this.captured;
  }

  private async captureOnce(ctx: ToolContext, sandboxed: boolean): Promise<string | undefined> {
    const marker = `spool-snapshot-${randomUUID()}`;
    const argv = [this.shell, '-lc', snapshotCaptureScript(marker)];
    const spec = await commandSpec(argv, ctx.cwd, sandboxed, ctx, this.sandboxOptions);
    if (!spec.ok) return undefined;
    const stdout: Buffer[] = [];
    const run = await runProcess(spec.spec, {
      timeoutMs: SNAPSHOT_TIMEOUT_MS,
      signal: ctx.signal,
      onOutput: (chunk) => {
        if (chunk.stream === 'stdout') stdout.push(chunk.bytes);
      },
    });
    if (run.exitCode !== 0 || run.timedOut || run.aborted) return undefined;
    const captured = parseCapturedShell(Buffer.concat(stdout).toString('utf8'), marker);
    if (!captured) return undefined;
    const dir = sandboxed
      ? await sandboxReadableDirectory(ctx)
      : await privateDirectory(path.join(spoolHomeOf(ctx), 'shell_snapshots'));
    if (dir === undefined) return undefined;
    const file = path.join(dir, `${randomUUID()}.sh`);
    await fs.writeFile(file, snapshotFileText(captured, ctx.env), { mode: 0o600, flag: 'wx' });
    this.file = file;
    return file;
  }
}

/** `dir`, created when missing, if it is a directory of ours that nobody else may enter. */
async function privateDirectory(dir: string): Promise<string | undefined> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stat = await fs.lstat(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0)
      return undefined;
    return await fs.realpath(dir);
  } catch (err) {
    // Not creatable here (no /run access, a read-only file system): the next place, or none.
    if (err instanceof Error && 'code' in err) return undefined;
    throw err;
  }
}

/** A private directory sandboxed commands can read and cannot write (see the top of the file). */
async function sandboxReadableDirectory(ctx: ToolContext): Promise<string | undefined> {
  const runtime = ctx.env.XDG_RUNTIME_DIR ?? process.env.XDG_RUNTIME_DIR;
  const candidates = [
    ...(runtime && path.isAbsolute(runtime) ? [path.join(runtime, 'spool-shell-snapshots')] : []),
    `/run/spool-shell-snapshots-${process.getuid?.() ?? 'user'}`,
  ];
  const home = spoolHomeOf(ctx);
  const roots = effectiveWritableRoots(ctx.sandbox, ctx.cwd, ctx.env);
  const physicalRoots = await Promise.all(roots.map((root) => fs.realpath(root).catch(onSystemError(root))));
  const off = [...roots, ...physicalRoots, home, await fs.realpath(home).catch(onSystemError(home))];
  for (const candidate of candidates) {
    const dir = await privateDirectory(candidate);
    if (dir && !off.some((root) => isWithin(dir, root) || isWithin(root, dir))) return dir;
  }
  return undefined;
}
