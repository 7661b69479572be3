/**
 * A command approved to run outside the sandbox must run no file the sandbox could have written.
 * Shells read startup files before the command: a login shell (`bash -lc`, Spool's default for
 * string commands) reads `~/.bash_profile`, `~/.profile`…; zsh reads `$ZDOTDIR/.zshenv` always;
 * a non-interactive bash reads `$BASH_ENV`, an interactive sh `$ENV`. When those live inside a
 * writable root (working in `~`, or `HOME` under `/tmp`), a sandboxed command could have planted
 * code there that the approved command would then run with the user's full rights.
 *
 * `withoutWritableStartupFiles` says how to run the command without them: the login flag dropped,
 * zsh told to read no startup files (`-f`), the variables naming a startup file unset. The result
 * is what the approval shows, so what is approved is what runs. Pure: paths come resolved.
 */
import path from 'node:path';
import { isWithin } from '../write-policy.js';
import { SHELLS } from './wrappers.js';

interface StartupFilesContext {
  /** The command's environment. */
  env: NodeJS.ProcessEnv;
  /** Every root a sandboxed command may write (physical paths). */
  writableRoots: readonly string[];
  /** Resolves a path physically (symlinks followed); identity when not given. */
  resolve?: (p: string) => string;
}

interface StartupFilesResult {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** What was changed and why, for the question and the model (empty: nothing). */
  changes: string[];
}

/** Variables that name a file a shell runs at startup. */
const STARTUP_VARIABLES = ['BASH_ENV', 'ENV'];

export function withoutWritableStartupFiles(
  argv: readonly string[],
  context: StartupFilesContext,
): StartupFilesResult {
  const resolve = context.resolve ?? ((p: string) => p);
  const writable = (p: string | undefined): boolean =>
    p !== undefined &&
    path.isAbsolute(p) &&
    context.writableRoots.some((root) => isWithin(resolve(path.resolve(p)), root));
  const changes: string[] = [];
  const env = { ...context.env };
  for (const name of STARTUP_VARIABLES) {
    if (writable(env[name])) {
      changes.push(`$${name} (${env[name]}) is in a directory the sandbox can write, so it is unset`);
      delete env[name];
    }
  }
  const [program, ...args] = argv;
  const shell = program === undefined ? undefined : path.basename(program);
  if (program === undefined || shell === undefined || !SHELLS.has(shell))
    return { argv: [...argv], env, changes };

  const home = env.HOME;
  // fish and csh read their startup files whether login or not: tell them to read none.
  const noStartup: Record<string, string> = { fish: '--no-config', csh: '-f', tcsh: '-f' };
  const flag = noStartup[shell];
  if (flag !== undefined) {
    if (writable(home) && !args.includes(flag)) {
      changes.push(
        `${shell}'s startup files (in ${home}) are in a directory the sandbox can write, so it reads none (${flag})`,
      );
      return { argv: [program, flag, ...args], env, changes };
    }
    return { argv: [...argv], env, changes };
  }
  if (shell === 'zsh') {
    const dotdir = env.ZDOTDIR ?? home;
    if (writable(dotdir) && !args.includes('-f') && !args.includes('--no-rcs')) {
      changes.push(
        `zsh's startup files (in ${dotdir}) are in a directory the sandbox can write, so zsh reads none (-f)`,
      );
      return { argv: [program, '-f', ...args], env, changes };
    }
    return { argv: [...argv], env, changes };
  }
  if (!writable(home)) return { argv: [...argv], env, changes };
  const interactive = args.some((arg) => /^-[A-Za-z]*i/.test(arg) && !arg.startsWith('--'));
  const rewritten: string[] = shell === 'bash' && interactive && !args.includes('--norc') ? ['--norc'] : [];
  if (rewritten.length > 0)
    changes.push(
      `HOME (${home}) is in a directory the sandbox can write, so bash reads no ~/.bashrc (--norc)`,
    );
  let dropped = false;
  let optionsEnded = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (optionsEnded) {
      rewritten.push(arg);
      continue;
    }
    if (arg === '--login') {
      dropped = true;
      continue;
    }
    if (arg === '--rcfile' || arg === '--init-file' || /^[-+][oO]$/.test(arg)) {
      rewritten.push(arg, args[++i] ?? '');
      continue;
    }
    if (/^-[A-Za-z]+$/.test(arg) && arg.includes('l')) {
      dropped = true;
      const rest = arg.replaceAll('l', '');
      if (rest !== '-') rewritten.push(rest);
      if (arg.includes('c')) optionsEnded = true;
      continue;
    }
    if (arg === '--' || !/^[-+]/.test(arg)) optionsEnded = true;
    if (/^-[A-Za-z]*c/.test(arg)) optionsEnded = true;
    rewritten.push(arg);
  }
  if (dropped)
    changes.push(
      `HOME (${home}) is in a directory the sandbox can write, so the shell does not run as a login shell (its profile could have been written by a sandboxed command)`,
    );
  return { argv: [program, ...rewritten], env, changes };
}
