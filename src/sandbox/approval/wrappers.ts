/**
 * Programs that run other commands: wrappers (`timeout 5 touch x`, `env touch x`, `sudo …`,
 * `xargs rm`, `find -exec`), shells given a script (`sh -c '…'`, `bash --norc -c '…'`) and the
 * builtins that run strings as code (`eval`, `trap`, `alias`). Rules and checks must see the
 * command they run, so `unwrap` says what that is. The table is data: how each wrapper's own
 * options read, how many operands come before the command, and whether it is transparent. Pure.
 */
import path from 'node:path';
import { isLiteral, unknownWord, type Word } from '../bash-parser.js';
import { leadingOptions, type OptionGrammar, optionMatches } from './options.js';
import { gitConfigScripts, settingScript } from './program-settings.js';

interface WrapperSpec {
  grammar: OptionGrammar;
  /** Operands before the command: `timeout DURATION`, `chroot NEWROOT`, `taskset MASK`. */
  skipOperands?: number;
  /** Leading `NAME=VALUE` operands are settings, not the command (`env`). */
  skipsAssignments?: boolean;
  /** Options whose value is a command line for a shell (`su -c`, `env -S`, `script -c`). */
  scriptOptions?: readonly string[];
  /** The operands are joined into one script (`eval`, `watch`). */
  joinsScript?: boolean;
  /** The command gets more arguments from its input (`xargs`). */
  appendsInput?: boolean;
  /** With one of these options nothing is run (`command -v`). */
  noRunOptions?: readonly string[];
  /**
   * Runs the command as it is — same user, same files, same environment: a rule or a known-safe
   * judgement of the command covers the whole (`timeout`, `nice`, `nohup`). Not transparent:
   * `sudo`, `env` (it changes the environment), `find -exec`.
   */
  transparent: boolean;
}

const STOP: OptionGrammar = { stopAtOperand: true };

/** Wrappers by program name. */
const WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  timeout: {
    grammar: { shortWithValue: 'sk', longWithValue: ['--signal', '--kill-after'], stopAtOperand: true },
    skipOperands: 1,
    transparent: true,
  },
  nice: {
    grammar: { shortWithValue: 'n', longWithValue: ['--adjustment'], stopAtOperand: true },
    transparent: true,
  },
  nohup: { grammar: STOP, transparent: true },
  time: {
    grammar: { shortWithValue: 'fo', longWithValue: ['--format', '--output'], stopAtOperand: true },
    transparent: true,
  },
  command: { grammar: STOP, noRunOptions: ['-v', '-V'], transparent: true },
  builtin: { grammar: STOP, transparent: true },
  exec: { grammar: { shortWithValue: 'a', stopAtOperand: true }, transparent: true },
  coproc: { grammar: STOP, transparent: true },
  stdbuf: {
    grammar: {
      shortWithValue: 'ioe',
      longWithValue: ['--input', '--output', '--error'],
      stopAtOperand: true,
    },
    transparent: true,
  },
  setsid: { grammar: STOP, transparent: true },
  ionice: {
    grammar: {
      shortWithValue: 'cnpPu',
      longWithValue: ['--class', '--classdata', '--pid', '--pgid', '--uid'],
      stopAtOperand: true,
    },
    noRunOptions: ['-p', '-P', '-u', '--pid', '--pgid', '--uid'],
    transparent: true,
  },
  taskset: { grammar: STOP, skipOperands: 1, noRunOptions: ['-p', '--pid'], transparent: true },
  chrt: { grammar: STOP, skipOperands: 1, noRunOptions: ['-p', '--pid'], transparent: true },
  busybox: { grammar: STOP, transparent: true },
  toybox: { grammar: STOP, transparent: true },
  eval: { grammar: { operandsOnly: true }, joinsScript: true, transparent: true },
  env: {
    grammar: {
      shortWithValue: 'uCS',
      longWithValue: ['--unset', '--chdir', '--split-string'],
      stopAtOperand: true,
    },
    skipsAssignments: true,
    scriptOptions: ['-S', '--split-string'],
    transparent: false,
  },
  sudo: {
    grammar: {
      shortWithValue: 'ugCDhprtUTc',
      longWithValue: [
        '--user',
        '--group',
        '--close-from',
        '--chdir',
        '--host',
        '--prompt',
        '--role',
        '--type',
        '--other-user',
        '--command-timeout',
      ],
      stopAtOperand: true,
    },
    noRunOptions: ['-l', '-v', '-k', '-K', '-V', '--list', '--validate', '--version'],
    transparent: false,
  },
  doas: { grammar: { shortWithValue: 'uC', stopAtOperand: true }, transparent: false },
  pkexec: { grammar: { longWithValue: ['--user'], stopAtOperand: true }, transparent: false },
  run0: { grammar: STOP, transparent: false },
  su: {
    grammar: {
      shortWithValue: 'cgGsw',
      longWithValue: [
        '--command',
        '--session-command',
        '--group',
        '--supp-group',
        '--shell',
        '--whitelist-environment',
      ],
    },
    scriptOptions: ['-c', '--command', '--session-command'],
    transparent: false,
  },
  runuser: {
    grammar: {
      shortWithValue: 'cgGsuw',
      longWithValue: ['--command', '--session-command', '--group', '--supp-group', '--shell', '--user'],
    },
    scriptOptions: ['-c', '--command', '--session-command'],
    transparent: false,
  },
  script: {
    grammar: {
      shortWithValue: 'cEIOBTm',
      longWithValue: [
        '--command',
        '--echo',
        '--log-in',
        '--log-out',
        '--log-io',
        '--log-timing',
        '--logging-format',
      ],
    },
    scriptOptions: ['-c', '--command'],
    transparent: false,
  },
  xargs: {
    grammar: {
      shortWithValue: 'adEILnPs',
      longWithValue: [
        '--arg-file',
        '--delimiter',
        '--eof',
        '--replace',
        '--max-lines',
        '--max-args',
        '--max-procs',
        '--max-chars',
        '--process-slot-var',
      ],
      stopAtOperand: true,
    },
    appendsInput: true,
    // Its arguments come from input: they are unknown words, which no allow rule matches.
    transparent: true,
  },
  watch: {
    grammar: {
      shortWithValue: 'dnq',
      longWithValue: ['--differences', '--interval', '--equexit'],
      stopAtOperand: true,
    },
    joinsScript: true,
    transparent: false,
  },
  chroot: {
    grammar: { longWithValue: ['--userspec', '--groups'], stopAtOperand: true },
    skipOperands: 1,
    transparent: false,
  },
  unshare: {
    grammar: {
      shortWithValue: 'SGRwt',
      longWithValue: ['--setuid', '--setgid', '--root', '--wd', '--propagation', '--setgroups'],
      stopAtOperand: true,
    },
    transparent: false,
  },
  nsenter: {
    grammar: {
      shortWithValue: 'tSGrwW',
      longWithValue: ['--target', '--setuid', '--setgid', '--root', '--wd'],
      stopAtOperand: true,
    },
    transparent: false,
  },
  strace: {
    grammar: {
      shortWithValue: 'abeEIoOpPsSuUX',
      longWithValue: ['--output', '--trace', '--signal', '--user', '--env'],
      stopAtOperand: true,
    },
    transparent: false,
  },
  ltrace: {
    grammar: { shortWithValue: 'aeEnopsuxXAD', longWithValue: ['--output', '--user'], stopAtOperand: true },
    transparent: false,
  },
  fakeroot: {
    grammar: { shortWithValue: 'is', longWithValue: ['--lib', '--faked'], stopAtOperand: true },
    transparent: false,
  },
};

/**
 * Shells that take `-c SCRIPT`. fish and csh scripts are read with the bash grammar: simple commands
 * read the same, and what does not parse counts as unreadable.
 */
export const SHELLS: ReadonlySet<string> = new Set([
  'bash',
  'sh',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'yash',
  'posh',
  'rbash',
  'fish',
  'csh',
  'tcsh',
]);

/** `find` actions that run a command, ended by `;` or `+`. */
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** What a wrapper runs. */
type InnerStep =
  | { kind: 'command'; words: Word[] }
  /** A script for a shell: parse it (an unknown word is code no one can read first). */
  | { kind: 'script'; script: Word }
  /** A shell reading its commands from its standard input. */
  | { kind: 'stdin' };

interface Unwrapped {
  /** The wrapper's name (basename). */
  program: string;
  transparent: boolean;
  /** The command(s) it runs; empty when this call runs none (`command -v x`, `sudo -l`). */
  inner: InnerStep[];
}

/** A program name as rules compare it: the basename of a path (`/usr/bin/touch` → `touch`). */
export function programName(word: Word | undefined): string | undefined {
  return isLiteral(word) ? path.basename(word) : undefined;
}

/** What `words` runs beyond itself, or undefined when it runs no other command we can see. */
export function unwrap(words: readonly Word[]): Unwrapped | undefined {
  const program = programName(words[0]);
  if (program === undefined) return undefined;
  const args = words.slice(1);
  if (SHELLS.has(program)) return { program, transparent: true, inner: shellInner(args) };
  if (program === 'find') return { program, transparent: false, inner: findInner(args) };
  if (program === 'trap') return { program, transparent: false, inner: trapInner(args) };
  if (program === 'alias') return { program, transparent: false, inner: aliasInner(args) };
  if (program === 'flock') return { program, transparent: false, inner: flockInner(args) };
  if (program === 'git') {
    const scripts = gitConfigScripts(args).map((script): InnerStep => ({ kind: 'script', script }));
    return { program, transparent: false, inner: scripts };
  }
  const spec = WRAPPERS[program];
  if (!spec) return undefined;
  return { program, transparent: spec.transparent, inner: wrapperInner(args, spec) };
}

function wrapperInner(args: readonly Word[], spec: WrapperSpec): InnerStep[] {
  const { options, rest, uncertain } = leadingOptions(args, spec.grammar);
  const has = (list: readonly string[] | undefined) =>
    options.filter((arg) => list?.some((option) => optionMatches(arg, option)));
  if (has(spec.noRunOptions).length > 0) return [];
  const scripts = has(spec.scriptOptions).flatMap((arg): InnerStep[] =>
    (arg.kind === 'short' || arg.kind === 'long') && arg.value !== undefined
      ? [{ kind: 'script', script: arg.value }]
      : [],
  );
  if (scripts.length > 0) return scripts;
  if (uncertain) return possibleCommands(rest);
  if (spec.joinsScript) {
    if (rest.length === 0) return [];
    return [{ kind: 'script', script: rest.every(isLiteral) ? rest.join(' ') : unknownWord() }];
  }
  let operands = rest.slice(spec.skipOperands ?? 0);
  const settings: InnerStep[] = [];
  if (spec.skipsAssignments) {
    let i = 0;
    while (i < operands.length && isLiteral(operands[i]) && /^[^=]+=/.test(operands[i] as string)) {
      const assignment = operands[i] as string;
      const eq = assignment.indexOf('=');
      const script = settingScript(assignment.slice(0, eq), assignment.slice(eq + 1));
      if (script !== undefined) settings.push({ kind: 'script', script });
      i++;
    }
    operands = operands.slice(i);
  }
  if (spec.appendsInput) {
    if (operands.length === 0) return [{ kind: 'command', words: ['echo', unknownWord('', true)] }];
    // With -I STR (or -i, --replace: `{}`), each line replaces STR in the words; else lines are appended.
    const replace = has(['-I', '-i', '--replace'])[0];
    if (replace === undefined) return [{ kind: 'command', words: [...operands, unknownWord('', true)] }];
    const value = (replace.kind === 'short' || replace.kind === 'long') && replace.value;
    const marker = typeof value === 'string' && value !== '' ? value : '{}';
    const words = operands.map((word) =>
      isLiteral(word) && word.includes(marker) ? unknownWord(word.slice(0, word.indexOf(marker))) : word,
    );
    return [{ kind: 'command', words }];
  }
  return [...settings, ...(operands.length > 0 ? [{ kind: 'command' as const, words: operands }] : [])];
}

/**
 * A computed word where a wrapper's options end may be an option, an operand or the command: each
 * way of reading it is a command the wrapper may run (`timeout $T git push` may run `git push`).
 */
function possibleCommands(rest: readonly Word[]): InnerStep[] {
  const steps: InnerStep[] = [];
  for (let start = 0; start < Math.min(rest.length, 4); start++)
    steps.push({ kind: 'command', words: rest.slice(start) });
  return steps;
}

/** `sh [options] -c SCRIPT [name args…]`, `sh FILE`, or `sh` reading its input. */
function shellInner(args: readonly Word[]): InnerStep[] {
  let commandMode = false;
  let readsStdin = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as Word;
    if (!isLiteral(arg)) return [{ kind: 'script', script: unknownWord() }];
    if (arg === '--' || arg === '-') {
      i++;
      break;
    }
    if (arg === '--rcfile' || arg === '--init-file') {
      i++;
      continue;
    }
    if (arg.startsWith('--')) continue;
    if (/^[-+][oO]$/.test(arg)) {
      i++;
      continue;
    }
    if (/^[-+]/.test(arg) && arg.length > 1) {
      const letters = arg.slice(1);
      if (letters.includes('c')) commandMode = true;
      if (letters.includes('s') || letters.includes('i')) readsStdin = true;
      continue;
    }
    break;
  }
  const operand = args[i];
  if (commandMode) return [{ kind: 'script', script: operand ?? '' }];
  if (readsStdin || operand === undefined) return [{ kind: 'stdin' }];
  // A script file: what it runs is not on the command line.
  return [];
}

/** `find … -exec CMD … ;` (or `+`), and the other actions that run a command. */
function findInner(args: readonly Word[]): InnerStep[] {
  const steps: InnerStep[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!isLiteral(arg) || !FIND_EXEC.has(arg)) continue;
    const words: Word[] = [];
    for (i++; i < args.length; i++) {
      const word = args[i] as Word;
      if (word === ';' || word === '+') break;
      words.push(
        isLiteral(word) && word.includes('{}') ? unknownWord(word.slice(0, word.indexOf('{}'))) : word,
      );
    }
    if (words.length > 0) steps.push({ kind: 'command', words });
  }
  return steps;
}

/** `trap 'COMMANDS' SIGNAL…`: the first operand runs later, in this shell. */
function trapInner(args: readonly Word[]): InnerStep[] {
  const operands = args[0] === '--' ? args.slice(1) : args;
  if (operands.length < 2 || (isLiteral(operands[0]) && operands[0].startsWith('-'))) return [];
  return [{ kind: 'script', script: operands[0] as Word }];
}

/** `alias NAME='COMMANDS'`: an alias's value runs wherever its name is used. */
function aliasInner(args: readonly Word[]): InnerStep[] {
  return args.flatMap((arg): InnerStep[] => {
    if (!isLiteral(arg)) return [{ kind: 'script', script: unknownWord() }];
    const eq = arg.indexOf('=');
    return eq === -1 ? [] : [{ kind: 'script', script: arg.slice(eq + 1) }];
  });
}

/** `flock [options] FILE CMD…`, `flock [options] FILE -c SCRIPT`, or `flock FD`. */
function flockInner(args: readonly Word[]): InnerStep[] {
  const { options, rest, uncertain } = leadingOptions(args, {
    shortWithValue: 'wEc',
    longWithValue: ['--timeout', '--conflict-exit-code', '--command'],
  });
  const script = options.find((arg) => optionMatches(arg, '-c') || optionMatches(arg, '--command'));
  if (script && (script.kind === 'short' || script.kind === 'long') && script.value !== undefined)
    return [{ kind: 'script', script: script.value }];
  if (uncertain) return possibleCommands(rest);
  const [, ...command] = rest;
  if (command[0] === '-c' || command[0] === '--command')
    return [{ kind: 'script', script: command[1] ?? '' }];
  return command.length > 0 ? [{ kind: 'command', words: command }] : [];
}
