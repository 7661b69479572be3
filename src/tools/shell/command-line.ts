/**
 * How commands are built and shown: the argv a shell tool runs, and the one-line rendering a
 * command item displays (`/bin/bash -lc 'echo hi'`, as Codex shows it).
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { expectSystemError } from '../../protocol/errors.js';

// Characters that never need quoting in a POSIX shell word.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for a POSIX shell: as is when safe, otherwise in single quotes. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** An argv as one shell-quoted line, for display. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The shell used for string commands: `/bin/bash` when present, otherwise `bash` from PATH. */
export function defaultShell(): string {
  try {
    accessSync('/bin/bash', fsConstants.X_OK);
    return '/bin/bash';
  } catch (err) {
    expectSystemError(err);
    return 'bash';
  }
}

/** `[shell, '-lc', script]` (login shell, the default) or `[shell, '-c', script]`. */
export function shellInvocation(shell: string, script: string, login: boolean): string[] {
  return [shell, login ? '-lc' : '-c', script];
}
