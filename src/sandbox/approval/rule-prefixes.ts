/**
 * Prefixes that may not become allow rules: a bare interpreter, shell or multi-tool would allow
 * running anything (`[python3]` allows `python3 -c '…'`, `[git]` allows `git -c core.pager=…`,
 * `[env]` allows `env ANY-PROGRAM`). Such a prefix is refused whether the model proposes it, a
 * front end asks to save it, or the rules file holds it. A prefix that pins what runs — a script
 * (`python3 tools/gen.py`), a subcommand (`git status`), the program a wrapper runs
 * (`env FOO=1 make`) — is fine. Pure.
 */
import path from 'node:path';
import { GIT_GLOBAL_GRAMMAR } from './destructive-rules.js';
import { leadingOptions } from './options.js';
import { SHELLS, unwrap } from './wrappers.js';

/** Programs that run code given as an option (`-c`, `-e`) or read from input. */
const INTERPRETERS = new Set([
  'python',
  'python2',
  'python3',
  'pythonw',
  'py',
  'pyw',
  'pypy',
  'pypy3',
  'node',
  'nodejs',
  'deno',
  'bun',
  'perl',
  'ruby',
  'irb',
  'php',
  'lua',
  'luajit',
  'osascript',
  'pwsh',
  'powershell',
  'powershell.exe',
  'Rscript',
  'julia',
  'tclsh',
  'awk',
  'gawk',
  'mawk',
  'nawk',
  'fish',
  'csh',
  'tcsh',
  'npx',
  'bunx',
  'pnpx',
  'uvx',
]);

/** Programs that run as another user: never an allow rule, whatever follows. */
const PRIVILEGE = new Set(['sudo', 'sudoedit', 'su', 'doas', 'pkexec', 'run0', 'runuser']);

/** Characters a terminal does not show as themselves: controls, zero-width and bidi marks. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/** Why `prefix` may not be an allow rule, or undefined when it may. */
export function bannedPrefixReason(prefix: readonly string[]): string | undefined {
  const [first, ...rest] = prefix;
  if (first === undefined) return 'it is empty';
  // A rule is saved because it was shown: one that cannot be shown as it is cannot be saved.
  if (prefix.some((word) => INVISIBLE.test(word)))
    return 'it contains control or invisible characters, so it cannot be shown as it is';
  const program = path.basename(first);
  const onlyOptions = rest.every((word) => word.startsWith('-'));
  if (PRIVILEGE.has(program)) return `${program} runs commands as another user`;
  if ((INTERPRETERS.has(program) || SHELLS.has(program)) && onlyOptions)
    return `${program} is an interpreter: with no script named, it would allow running any code`;
  if (program === 'git') {
    const { rest: afterGlobals } = leadingOptions(rest, GIT_GLOBAL_GRAMMAR);
    if (afterGlobals.length === 0)
      return 'git runs many commands (and configured programs): name the subcommand';
    return undefined;
  }
  const wrapped = unwrap(prefix);
  // `find` runs commands only through -exec, which the rule's own words would have to name.
  if (wrapped && !SHELLS.has(program) && program !== 'find') {
    const commands = wrapped.inner.flatMap((step) => (step.kind === 'command' ? [step.words] : []));
    if (wrapped.inner.length === 0 || commands.length !== wrapped.inner.length)
      return `${program} runs other commands: the rule must name the command it runs`;
    for (const words of commands) {
      if (!words.every((word) => typeof word === 'string'))
        return `${program} runs commands given to it later`;
      const inner = bannedPrefixReason(words as string[]);
      if (inner) return inner;
    }
  }
  return undefined;
}
