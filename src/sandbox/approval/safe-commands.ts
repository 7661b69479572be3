/**
 * Known-safe commands: what `untrusted` runs without asking. A command vector is safe when it is
 * plain (see `command-analysis.ts`) and every command it really runs only reads: a program from
 * the lists below, with checks that keep it from writing a file or running another program with
 * *any* spelling of its options (clusters, attached values, abbreviations of long options). Anything
 * not recognised is not safe. Safe commands still run in the sandbox. Pure.
 *
 * `untrusted` means the repository is not trusted: git commands that may run programs the
 * repository configures (`core.fsmonitor` on reading the index, textconv and external diff
 * drivers, clean filters, pagers, signature verification) are not known-safe, so they are asked.
 */
import { isLiteral, type Word } from '../bash-parser.js';
import { analyzeCommand, type CommandAnalysis } from './command-analysis.js';
import { GIT_GLOBAL_GRAMMAR } from './destructive-rules.js';
import { leadingOptions, type OptionGrammar, optionMatches, type ParsedArg, parseArgs } from './options.js';

/** Programs that only read and print, whatever their arguments (computed ones included). */
const READ_ONLY = new Set([
  'basename',
  'cat',
  'cd',
  'cmp',
  'column',
  'comm',
  'cut',
  'df',
  'diff',
  'dirname',
  'du',
  'echo',
  'egrep',
  'expr',
  'false',
  'fgrep',
  'fold',
  'grep',
  'head',
  'id',
  'ls',
  'md5sum',
  'nl',
  'od',
  'paste',
  'printenv',
  'printf',
  'pwd',
  'readlink',
  'realpath',
  'rev',
  'seq',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'stat',
  'tac',
  'tail',
  'test',
  'tr',
  'true',
  'uname',
  'wc',
  'which',
  'whoami',
]);

const FIND_UNSAFE = new Set([
  '-exec',
  '-execdir',
  '-ok',
  '-okdir',
  '-delete',
  '-fls',
  '-fprint',
  '-fprint0',
  '-fprintf',
]);

function any(parsed: readonly ParsedArg[], options: readonly string[]): boolean {
  return parsed.some((arg) => options.some((option) => optionMatches(arg, option)));
}

/** Safe unless one of `unsafe` is given, however it is spelled. */
function without(grammar: OptionGrammar, unsafe: readonly string[]) {
  return (args: string[]) => !any(parseArgs(args, grammar), unsafe);
}

/** `sed` that only prints: `-n` and print/quit commands, or a script under `--sandbox`. */
function safeSed(args: string[]): boolean {
  const parsed = parseArgs(args, {
    shortWithValue: 'eflE',
    longWithValue: ['--expression', '--file', '--line-length'],
  });
  const scripts: string[] = [];
  let sandboxed = false;
  for (const arg of parsed) {
    if (arg.kind === 'short' && 'nErsuz'.includes(arg.letter)) continue;
    if (arg.kind === 'short' && arg.letter === 'e' && isLiteral(arg.value)) scripts.push(arg.value);
    else if (
      arg.kind === 'long' &&
      ['--quiet', '--silent', '--regexp-extended', '--posix', '--debug'].some((o) => optionMatches(arg, o))
    )
      continue;
    else if (arg.kind === 'long' && optionMatches(arg, '--sandbox')) sandboxed = true;
    else if (arg.kind === 'long' && optionMatches(arg, '--expression') && isLiteral(arg.value))
      scripts.push(arg.value);
    else if (arg.kind !== 'operand') return false;
  }
  const operands = parsed.flatMap((arg) => (arg.kind === 'operand' ? [arg.value] : []));
  if (scripts.length === 0) {
    const script = operands.shift();
    if (!isLiteral(script)) return false;
    scripts.push(script);
  }
  return sandboxed || scripts.every(isPrintOnlySedScript);
}

/**
 * A sed script of addressed print-only commands: addresses (`N`, `$`, `N~M`, `/re/`, ranges with
 * `,`), optional `!`, then `p`, `=`, `l`, `q`, `Q`, `d`, `n` or `N`, separated by `;` or newlines.
 * Anything else (`s`, `w`, `r`, `e`, braces) is not recognised, so not safe.
 */
export function isPrintOnlySedScript(script: string): boolean {
  let i = 0;
  const skipBlanks = () => {
    while (i < script.length && /[ \t]/.test(script[i] as string)) i++;
  };
  const address = (): boolean => {
    if (script[i] === '$') {
      i++;
      return true;
    }
    if (/\d/.test(script[i] ?? '')) {
      while (/\d/.test(script[i] ?? '')) i++;
      if (script[i] === '~') {
        i++;
        while (/\d/.test(script[i] ?? '')) i++;
      }
      return true;
    }
    if (script[i] === '/') {
      for (i++; i < script.length && script[i] !== '/'; i++) {
        if (script[i] === '\\') i++;
        if (script[i] === '\n') return false;
      }
      if (script[i] !== '/') return false;
      i++;
      while (script[i] === 'I' || script[i] === 'M') i++;
      return true;
    }
    return false;
  };
  let commands = 0;
  while (i < script.length) {
    skipBlanks();
    if (script[i] === ';' || script[i] === '\n') {
      i++;
      continue;
    }
    if (i >= script.length) break;
    if (address()) {
      skipBlanks();
      if (script[i] === ',') {
        i++;
        skipBlanks();
        if (script[i] === '+' || script[i] === '~') {
          i++;
          if (!/\d/.test(script[i] ?? '')) return false;
          while (/\d/.test(script[i] ?? '')) i++;
        } else if (!address()) return false;
      }
      skipBlanks();
    }
    if (script[i] === '!') {
      i++;
      skipBlanks();
    }
    const command = script[i];
    if (command === undefined || !'p=lqQdnN'.includes(command)) return false;
    i++;
    if ('lqQ'.includes(command)) {
      skipBlanks();
      while (/\d/.test(script[i] ?? '')) i++;
    }
    skipBlanks();
    if (i < script.length && script[i] !== ';' && script[i] !== '\n') return false;
    commands++;
  }
  return commands > 0;
}

/** `uniq [options] [input]`: a second operand would be written to. */
function safeUniq(args: string[]): boolean {
  const parsed = parseArgs(args, {
    shortWithValue: 'fsw',
    longWithValue: ['--skip-fields', '--skip-chars', '--check-chars'],
  });
  return parsed.filter((arg) => arg.kind === 'operand').length <= 1;
}

function safeFind(args: string[]): boolean {
  return !args.some((arg) => FIND_UNSAFE.has(arg));
}

function safeDate(args: string[]): boolean {
  const parsed = parseArgs(args, {
    shortWithValue: 'dfrs',
    longWithValue: ['--date', '--file', '--reference', '--set'],
  });
  if (any(parsed, ['-s', '--set'])) return false;
  // An operand that is not a +FORMAT sets the clock.
  return parsed.every((arg) => arg.kind !== 'operand' || (isLiteral(arg.value) && arg.value.startsWith('+')));
}

const RG_GRAMMAR: OptionGrammar = {
  shortWithValue: 'ABCdEefgjMmrtT',
  longWithValue: [
    '--after-context',
    '--before-context',
    '--context',
    '--max-depth',
    '--encoding',
    '--regexp',
    '--file',
    '--glob',
    '--iglob',
    '--threads',
    '--max-columns',
    '--max-count',
    '--replace',
    '--type',
    '--type-not',
    '--type-add',
    '--type-clear',
    '--pre',
    '--pre-glob',
    '--hostname-bin',
    '--sort',
    '--sortr',
    '--colors',
    '--path-separator',
    '--ignore-file',
  ],
};

const SORT_GRAMMAR: OptionGrammar = {
  shortWithValue: 'kStTo',
  longWithValue: [
    '--key',
    '--buffer-size',
    '--field-separator',
    '--temporary-directory',
    '--output',
    '--compress-program',
    '--files0-from',
    '--random-source',
    '--batch-size',
    '--parallel',
    '--sort',
  ],
};

/** Programs with a check of their arguments (all of them literal). */
const CHECKED: Readonly<Record<string, (args: string[]) => boolean>> = {
  find: safeFind,
  rg: without(RG_GRAMMAR, ['--pre', '--search-zip', '-z', '--hostname-bin']),
  sed: safeSed,
  base64: without({ shortWithValue: 'w', longWithValue: ['--wrap'] }, ['-o', '--output']),
  sort: without(SORT_GRAMMAR, ['-o', '--output', '--compress-program']),
  uniq: safeUniq,
  tree: without(
    { shortWithValue: 'PILHTo', longWithValue: ['--charset', '--filelimit', '--timefmt', '--sort'] },
    ['-o', '--output'],
  ),
  file: without(
    {
      shortWithValue: 'FfmeP',
      longWithValue: ['--separator', '--files-from', '--magic-file', '--exclude', '--parameter'],
    },
    ['-C', '--compile'],
  ),
  date: safeDate,
  hostname: (args) => args.length === 0,
  git: safeGit,
};

/**
 * git subcommands that read refs, objects or configuration only: none of them reads the index or
 * the working tree (which runs `core.fsmonitor` and clean filters), renders diffs (textconv and
 * external diff drivers) or verifies signatures (`gpg.program`).
 */
const GIT_READ_ONLY: Readonly<Record<string, (args: ParsedArg[]) => boolean>> = {
  'rev-parse': () => true,
  'ls-tree': () => true,
  'show-ref': () => true,
  'merge-base': () => true,
  'cat-file': (args) =>
    !any(args, ['--textconv', '--filters', '--batch', '--batch-check', '--batch-command']),
  describe: (args) => !any(args, ['--dirty', '--broken']),
  'symbolic-ref': (args) =>
    args.filter((arg) => arg.kind === 'operand').length <= 1 && !any(args, ['-d', '--delete']),
  branch: (args) =>
    args.every(
      (arg) =>
        (arg.kind === 'operand' && any(args, ['-l', '--list'])) ||
        (arg.kind === 'short' && 'arvl'.includes(arg.letter) && arg.value === undefined) ||
        (arg.kind === 'long' &&
          [
            '--list',
            '--all',
            '--remotes',
            '--verbose',
            '--show-current',
            '--no-color',
            '--color',
            '--contains',
            '--no-contains',
            '--merged',
            '--no-merged',
            '--sort',
            '--column',
            '--no-column',
            '--points-at',
          ].some((o) => arg.name === o)),
    ),
  tag: (args) =>
    (args.length === 0 || any(args, ['-l', '--list'])) &&
    args.every(
      (arg) =>
        arg.kind === 'operand' ||
        (arg.kind === 'short' && (arg.letter === 'l' || arg.letter === 'n' || /\d/.test(arg.letter))) ||
        (arg.kind === 'long' &&
          [
            '--list',
            '--sort',
            '--contains',
            '--no-contains',
            '--merged',
            '--no-merged',
            '--points-at',
            '--column',
            '--no-column',
          ].includes(arg.name)),
    ),
  remote: (args) => args.every((arg) => arg.kind === 'short' && arg.letter === 'v'),
  config: (args) =>
    any(args, ['--get', '--get-all', '--get-regexp', '--list', '-l']) &&
    args.every(
      (arg) =>
        arg.kind === 'operand' ||
        (arg.kind === 'short' && arg.letter === 'l') ||
        (arg.kind === 'long' &&
          [
            '--get',
            '--get-all',
            '--get-regexp',
            '--list',
            '--local',
            '--global',
            '--system',
            '--show-origin',
            '--show-scope',
            '--null',
            '--name-only',
            '--includes',
            '--no-includes',
          ].includes(arg.name)),
    ),
};

/** git's own options that change nothing but where it looks or how it prints. */
function safeGit(args: string[]): boolean {
  const { options, rest } = leadingOptions(args, GIT_GLOBAL_GRAMMAR);
  const globalsSafe = options.every(
    (arg) =>
      (arg.kind === 'short' && (arg.letter === 'C' || arg.letter === 'P')) ||
      (arg.kind === 'long' &&
        ['--no-pager', '--no-optional-locks', '--literal-pathspecs', '--no-replace-objects'].includes(
          arg.name,
        )),
  );
  const [sub, ...subArgs] = rest;
  if (!globalsSafe || !isLiteral(sub)) return false;
  const check = GIT_READ_ONLY[sub];
  return check?.(parseArgs(subArgs)) ?? false;
}

/** One command's words (program first). Pure. */
function isSafeCommandWords(words: readonly Word[]): boolean {
  const [program, ...args] = words;
  // A bare name: a path could be a program the sandbox wrote.
  if (!isLiteral(program) || program.includes('/')) return false;
  if (READ_ONLY.has(program)) return true;
  const check = CHECKED[program];
  if (!check || !args.every(isLiteral)) return false;
  return check(args as string[]);
}

/** True when `argv` (a command, or a `bash -lc` script) only runs known-safe commands. */
export async function isKnownSafeCommand(argv: readonly string[]): Promise<boolean> {
  return isKnownSafe(await analyzeCommand(argv));
}

/** True when the analysed vector is plain, readable, and every command it runs is known-safe. */
export function isKnownSafe(analysis: Pick<CommandAnalysis, 'plain' | 'opaque'>): boolean {
  return (
    analysis.opaque.length === 0 &&
    analysis.plain !== undefined &&
    analysis.plain.length > 0 &&
    analysis.plain.every(isSafeCommandWords)
  );
}
