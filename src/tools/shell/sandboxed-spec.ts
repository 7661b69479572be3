/**
 * The process spec for a command that passed the gate: as is when it runs outside the sandbox,
 * wrapped by the platform sandbox otherwise, and what its exit means afterwards (the sandbox may
 * report that it never came up, and then nothing ran).
 */
import { interpretSandboxExit, prepareSandboxedLaunch } from '../../sandbox/launch.js';
import type { SandboxLaunchOptions } from '../../sandbox/launch-request.js';
import { type SandboxUnavailable, sandboxUnavailableMessage } from '../../sandbox/unavailable.js';
import type { ToolContext } from '../types.js';
import { spoolHomeOf } from './command-gate.js';
import { displayCommand } from './command-line.js';
import type { ProcessExit, ProcessSpec } from './process.js';

type SpecResult =
  | { ok: true; spec: ProcessSpec; sandboxed: boolean }
  | { ok: false; unavailable: SandboxUnavailable };

export async function commandSpec(
  argv: readonly string[],
  cwd: string,
  sandbox: boolean,
  ctx: ToolContext,
  options: SandboxLaunchOptions | undefined,
): Promise<SpecResult> {
  if (!sandbox) return { ok: true, spec: { argv, cwd, env: ctx.env }, sandboxed: false };
  let prepared: Awaited<ReturnType<typeof prepareSandboxedLaunch>>;
  try {
    prepared = await prepareSandboxedLaunch({
      command: argv,
      cwd,
      sessionCwd: ctx.cwd,
      env: ctx.env,
      sandbox: ctx.sandbox,
      spoolHome: spoolHomeOf(ctx),
      ...(options ? { options } : {}),
    });
  } catch (err) {
    return { ok: false, unavailable: { reason: 'setup-failed', detail: (err as Error).message } };
  }
  if (!prepared.ok) return prepared;
  const { launch } = prepared;
  return {
    ok: true,
    sandboxed: true,
    spec: {
      argv: launch.argv,
      cwd,
      env: launch.env,
      extraFds: launch.extraFds,
      cleanup: launch.cleanup,
      ...(launch.interrupt ? { interrupt: launch.interrupt } : {}),
    },
  };
}

type ExitMeaning =
  | { kind: 'ran' }
  /** Like a spawn error: the program does not exist (inside the sandbox). */
  | { kind: 'not-found'; spawnError: string }
  | { kind: 'unavailable'; message: string };

/** What a finished process means; for unsandboxed runs always `ran` (spawn errors are separate). */
export function exitMeaning(
  exit: ProcessExit,
  sandboxed: boolean,
  argv: readonly string[],
  endedByUs: boolean,
): ExitMeaning {
  if (!sandboxed || exit.spawnError !== null) return { kind: 'ran' };
  const outputText = exit.output.head + exit.output.tail;
  const meaning = interpretSandboxExit({
    status: exit.status,
    exitCode: exit.exitCode,
    outputText,
    endedByUs,
    command: argv,
  });
  if (meaning.kind === 'ran') return meaning;
  if (meaning.kind === 'not-found')
    return {
      kind: 'not-found',
      spawnError: `${JSON.stringify(meaning.program)}: command not found (ENOENT)`,
    };
  return {
    kind: 'unavailable',
    message: sandboxUnavailableMessage(meaning.unavailable, displayCommand(argv)),
  };
}
