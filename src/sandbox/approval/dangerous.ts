/**
 * Commands flagged as dangerous whatever the policy: they destroy what cannot be restored. A flag
 * means "ask first" (or refuse under `never`), even where the command would otherwise run without
 * asking. Judged on every command of a script (inside substitutions and subshells too), through
 * wrappers like `sudo`, `xargs` and `timeout`. Pure.
 */
import path from 'node:path';
import { isWithin } from '../write-policy.js';
import type { Word } from './shell-words.js';

export interface DangerContext {
  /** The directory relative paths are taken from. */
  cwd: string;
  /** The roots the session's configuration names (absolute). */
  writableRoots: readonly string[];
}

/** Programs that run their arguments as a command, and how many of their own words to skip. */
function unwrap(words: readonly Word[]): Word[] {
  let rest = [...words];
  for (let guard = 0; guard < 8 && rest.length > 0; guard++) {
    const [program, ...args] = rest;
    const name = program === undefined ? undefined : path.basename(program);
    const skipFlags = (list: Word[], withValue: string[] = []): Word[] => {
      let i = 0;
      while (i < list.length) {
        const arg = list[i];
        if (arg === undefined || !arg.startsWith('-') || arg === '-') break;
        if (arg === '--') {
          i++;
          break;
        }
        i += withValue.includes(arg) ? 2 : 1;
      }
      return list.slice(i);
    };
    if (name === 'sudo' || name === 'doas')
      rest = skipFlags(args, ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U']);
    else if (name === 'nohup' || name === 'command' || name === 'exec' || name === 'time')
      rest = skipFlags(args);
    else if (name === 'nice') rest = skipFlags(args, ['-n']);
    else if (name === 'xargs') rest = skipFlags(args, ['-n', '-L', '-P', '-I', '-d', '-E', '-s', '-a']);
    else if (name === 'env') {
      const after = skipFlags(args, ['-u', '-C', '-S']);
      let i = 0;
      while (i < after.length && after[i]?.includes('=')) i++;
      rest = after.slice(i);
    } else if (name === 'timeout') {
      const after = skipFlags(args, ['-s', '-k', '--signal', '--kill-after']);
      rest = after.slice(1);
    } else break;
  }
  return rest;
}

function shortFlags(args: readonly Word[]): { flags: Set<string>; long: Set<string>; operands: Word[] } {
  const flags = new Set<string>();
  const long = new Set<string>();
  const operands: Word[] = [];
  let ended = false;
  for (const arg of args) {
    if (!ended && arg === '--') ended = true;
    else if (!ended && arg?.startsWith('--')) long.add(arg.split('=')[0] as string);
    else if (!ended && arg !== undefined && arg.startsWith('-') && arg.length > 1)
      for (const c of arg.slice(1)) flags.add(c);
    else operands.push(arg);
  }
  return { flags, long, operands };
}

function outsideRoots(target: Word, context: DangerContext): string | undefined {
  if (target === undefined) return 'a path the shell expands';
  const resolved = path.resolve(context.cwd, target);
  // The root itself counts: removing the whole workspace is not a small change.
  if (context.writableRoots.some((root) => isWithin(resolved, root) && resolved !== root)) return undefined;
  return resolved;
}

function recursiveOutside(
  verb: string,
  operands: readonly Word[],
  context: DangerContext,
): string | undefined {
  for (const target of operands) {
    const outside = outsideRoots(target, context);
    if (outside)
      return `${verb} of ${outside === 'a path the shell expands' ? outside : `${outside}, outside the writable roots`}`;
  }
  return undefined;
}

/** Why one simple command is dangerous, or undefined. */
export function dangerousCommandReason(words: readonly Word[], context: DangerContext): string | undefined {
  const unwrapped = unwrap(words);
  const [program, ...args] = unwrapped;
  if (program === undefined) return undefined;
  const name = path.basename(program);
  const { flags, long, operands } = shortFlags(args);
  switch (name) {
    case 'rm': {
      const forced = flags.has('f') || long.has('--force');
      const recursive = flags.has('r') || flags.has('R') || long.has('--recursive');
      if (forced && recursive) return recursiveOutside('forced recursive delete', operands, context);
      return undefined;
    }
    case 'chmod':
    case 'chown':
    case 'chgrp':
      if (flags.has('R') || long.has('--recursive'))
        return recursiveOutside(`recursive ${name}`, operands.slice(1), context);
      return undefined;
    case 'git': {
      const subIndex = args.findIndex(
        (arg, i) => arg !== undefined && !arg.startsWith('-') && args[i - 1] !== '-C',
      );
      const sub = args[subIndex];
      const rest = shortFlags(args.slice(subIndex + 1));
      if (sub === 'push') {
        const pushArgs = args.slice(subIndex + 1);
        if (
          rest.flags.has('f') ||
          rest.flags.has('d') ||
          ['--force', '--force-with-lease', '--force-if-includes', '--mirror', '--delete', '--prune'].some(
            (f) => rest.long.has(f),
          ) ||
          pushArgs.some((arg) => arg?.startsWith('+') || (arg?.startsWith(':') && arg.length > 1))
        )
          return 'git push that rewrites or deletes remote history';
      }
      if (sub === 'reset' && rest.long.has('--hard')) return 'git reset --hard discards uncommitted work';
      if (sub === 'clean' && (rest.flags.has('f') || rest.long.has('--force')))
        return 'git clean -f deletes untracked files';
      return undefined;
    }
    case 'dd':
      if (args.some((arg) => arg?.startsWith('of=/dev/'))) return 'dd onto a device';
      return undefined;
    case 'shutdown':
    case 'reboot':
    case 'halt':
    case 'poweroff':
      return `${name} of the machine`;
    default:
      if (name.startsWith('mkfs')) return 'formatting a filesystem';
      return undefined;
  }
}

/** The first reason any of `commands` is dangerous. */
export function dangerousReason(
  commands: readonly (readonly Word[])[],
  context: DangerContext,
): string | undefined {
  for (const words of commands) {
    const reason = dangerousCommandReason(words, context);
    if (reason) return reason;
  }
  return undefined;
}
