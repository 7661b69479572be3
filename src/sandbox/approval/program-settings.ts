/**
 * Settings whose value is a command line that a program will run: git configuration given on the
 * command line (`git -c core.pager='…' log`, `git -c alias.x='!…' x`) and environment variables
 * that name a program (`GIT_PAGER='…' git log`, `env EDITOR='…' git commit`). Their values are
 * scripts like any other: judged for rules and destructive commands. Pure.
 */
import { isLiteral, unknownWord, type Word } from '../bash-parser.js';
import { GIT_GLOBAL_GRAMMAR } from './destructive-rules.js';
import { leadingOptions } from './options.js';

/** git configuration keys whose value is run as a command (by `sh -c`). */
const GIT_PROGRAM_KEYS: readonly RegExp[] = [
  /^core\.(pager|editor|fsmonitor|sshcommand|askpass|gitproxy)$/i,
  /^pager\..+$/i,
  /^sequence\.editor$/i,
  /^diff\.external$/i,
  /^diff\..+\.(command|textconv)$/i,
  /^merge\..+\.driver$/i,
  /^filter\..+\.(clean|smudge|process)$/i,
  /^gpg\.(.+\.)?program$/i,
  /^credential\.(.+\.)?helper$/i,
  /^uploadpack\.packobjectshook$/i,
  /^remote\..+\.(uploadpack|receivepack|vcs)$/i,
  /^(web|instaweb)\.(browser|httpd)$/i,
];

/** Environment variables whose value is a command line some program runs. */
const PROGRAM_VARIABLES: ReadonlySet<string> = new Set([
  'GIT_PAGER',
  'PAGER',
  'GIT_EDITOR',
  'EDITOR',
  'VISUAL',
  'GIT_SEQUENCE_EDITOR',
  'GIT_EXTERNAL_DIFF',
  'GIT_SSH_COMMAND',
  'GIT_SSH',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_PROXY_COMMAND',
  'MANPAGER',
  'BROWSER',
]);

/** The script a `NAME=VALUE` setting runs, if NAME names a program. */
export function settingScript(name: string, value: Word): Word | undefined {
  return PROGRAM_VARIABLES.has(name) ? value : undefined;
}

/** The scripts `git -c KEY=VALUE` settings make git run (an alias runs only with a leading `!`). */
export function gitConfigScripts(args: readonly Word[]): Word[] {
  const { options } = leadingOptions(args, GIT_GLOBAL_GRAMMAR);
  const scripts: Word[] = [];
  for (const option of options) {
    if (option.kind === 'long' && option.name === '--config-env') {
      // The value comes from an environment variable: it cannot be read first.
      scripts.push(unknownWord());
      continue;
    }
    if (option.kind !== 'short' || option.letter !== 'c' || option.value === undefined) continue;
    const setting = option.value;
    if (!isLiteral(setting)) {
      scripts.push(unknownWord());
      continue;
    }
    const eq = setting.indexOf('=');
    if (eq === -1) continue;
    const key = setting.slice(0, eq);
    const value = setting.slice(eq + 1);
    if (/^alias\./i.test(key)) {
      if (value.startsWith('!')) scripts.push(value.slice(1));
    } else if (GIT_PROGRAM_KEYS.some((pattern) => pattern.test(key))) scripts.push(value);
  }
  return scripts;
}
