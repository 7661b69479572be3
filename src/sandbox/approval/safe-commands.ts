/**
 * Known-safe commands: what `untrusted` runs without asking. A command vector is safe when every
 * command it stands for (see `plainCommands`) only reads: a program from the list below, with the
 * flag checks that keep it from writing files or running other programs. Anything not recognised
 * is not safe. The rest of the protection still applies: safe commands run in the sandbox.
 */
import { plainCommands } from './shell-words.js';

/** Programs that only read and print, whatever their arguments. */
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

function isFlag(arg: string, short: string, long?: string): boolean {
  if (long && (arg === long || arg.startsWith(`${long}=`))) return true;
  // A short flag, alone or in a cluster (`-o`, `-so`, `-ofile`).
  return /^-[^-]/.test(arg) && arg.slice(1).includes(short.slice(1));
}

function safeFind(args: string[]): boolean {
  return !args.some((arg) => FIND_UNSAFE.has(arg));
}

function safeRipgrep(args: string[]): boolean {
  return !args.some(
    (arg) =>
      arg === '--pre' ||
      arg.startsWith('--pre=') ||
      arg === '--hostname-bin' ||
      arg.startsWith('--hostname-bin=') ||
      arg === '--search-zip' ||
      arg === '-z' ||
      (/^-[a-zA-Z]+$/.test(arg) && arg.includes('z')),
  );
}

/** `sed -n 'Np'` / `sed -n 'N,Mp'`, then files: printing lines, nothing else. */
function safeSed(args: string[]): boolean {
  const [flag, script, ...files] = args;
  return flag === '-n' && /^\d+(,\d+)?p$/.test(script ?? '') && files.every((f) => !f.startsWith('-'));
}

function safeBase64(args: string[]): boolean {
  return !args.some((arg) => arg === '--output' || arg.startsWith('--output=') || isFlag(arg, '-o'));
}

function safeSort(args: string[]): boolean {
  return !args.some(
    (arg) =>
      arg === '--output' ||
      arg.startsWith('--output=') ||
      arg === '--compress-program' ||
      arg.startsWith('--compress-program=') ||
      (/^-[^-]/.test(arg) && arg.includes('o')),
  );
}

/** `uniq [flags] [input]`: a second operand would be written to. */
function safeUniq(args: string[]): boolean {
  return args.filter((arg) => !arg.startsWith('-')).length <= 1;
}

/** `tree` without `-o FILE`; `file` without compiling magic; `date`/`hostname` without setting. */
function safeTree(args: string[]): boolean {
  return !args.some((arg) => arg === '-o' || arg.startsWith('-o'));
}
function safeFile(args: string[]): boolean {
  return !args.some((arg) => arg === '-C' || arg === '--compile');
}
function safeDate(args: string[]): boolean {
  return !args.some((arg) => isFlag(arg, '-s', '--set') || /^\d/.test(arg));
}

const GIT_READ_ONLY = new Set([
  'blame',
  'cat-file',
  'describe',
  'diff',
  'grep',
  'log',
  'ls-files',
  'ls-tree',
  'rev-parse',
  'shortlog',
  'show',
  'status',
]);

const GIT_BRANCH_FLAGS =
  /^(-a|-r|-v|-vv|-l|--list|--all|--remotes|--verbose|--show-current|--no-color|--color(=.*)?|--contains(=.*)?|--no-contains(=.*)?|--merged(=.*)?|--no-merged(=.*)?|--sort=.*|--format=.*|--column(=.*)?|--no-column)$/;

/** Arguments of read-only git commands that would write a file or run a program. */
function gitArgUnsafe(arg: string): boolean {
  return (
    arg.startsWith('--output') ||
    arg === '--ext-diff' ||
    arg.startsWith('--exec') ||
    arg.startsWith('--upload-pack') ||
    arg.startsWith('--receive-pack') ||
    arg.startsWith('--open-files-in-pager') ||
    /^-O/.test(arg)
  );
}

function safeGit(args: string[]): boolean {
  let i = 0;
  // Global options: only those that change nothing but where git looks or how it prints.
  while (i < args.length && (args[i] as string).startsWith('-')) {
    const arg = args[i] as string;
    if (arg === '-C') i += 2;
    else if (arg === '--no-pager' || arg === '--no-optional-locks' || arg === '-P') i += 1;
    else return false;
  }
  const sub = args[i];
  const rest = args.slice(i + 1);
  if (sub === undefined) return false;
  if (rest.some(gitArgUnsafe)) return false;
  if (GIT_READ_ONLY.has(sub)) return true;
  if (sub === 'branch') {
    const listing = rest.includes('-l') || rest.includes('--list');
    return rest.every((arg) => GIT_BRANCH_FLAGS.test(arg) || (listing && !arg.startsWith('-')));
  }
  if (sub === 'tag') {
    const listing = rest.length === 0 || rest.includes('-l') || rest.includes('--list');
    return (
      listing &&
      rest.every((arg) => arg === '-l' || arg === '--list' || /^-n\d*$/.test(arg) || !arg.startsWith('-'))
    );
  }
  if (sub === 'remote') return rest.length === 0 || (rest.length === 1 && rest[0] === '-v');
  if (sub === 'config') {
    const [mode] = rest;
    return (
      mode === '--get' ||
      mode === '--get-all' ||
      mode === '--get-regexp' ||
      mode === '--list' ||
      mode === '-l'
    );
  }
  return false;
}

/** One command's words (program first). Pure. */
export function isSafeCommandWords(words: readonly string[]): boolean {
  const [program, ...args] = words;
  if (program === undefined) return false;
  if (READ_ONLY.has(program)) return true;
  switch (program) {
    case 'find':
      return safeFind(args);
    case 'rg':
      return safeRipgrep(args);
    case 'sed':
      return safeSed(args);
    case 'base64':
      return safeBase64(args);
    case 'sort':
      return safeSort(args);
    case 'uniq':
      return safeUniq(args);
    case 'tree':
      return safeTree(args);
    case 'file':
      return safeFile(args);
    case 'date':
      return safeDate(args);
    case 'hostname':
      return args.length === 0;
    case 'git':
      return safeGit(args);
    default:
      return false;
  }
}

/** True when `argv` (a command, or a `bash -lc` script) only runs known-safe commands. */
export async function isKnownSafeCommand(argv: readonly string[]): Promise<boolean> {
  return areKnownSafe(await plainCommands(argv));
}

/** True when every one of these plain commands is known-safe (false when there are none). */
export function areKnownSafe(commands: readonly string[][] | undefined): boolean {
  return commands?.every(isSafeCommandWords) ?? false;
}
