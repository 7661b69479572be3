/**
 * Reading a command line the way its program will: GNU-style options (`-abc` clusters, `-ofile`
 * attached values, `--long=value`, unambiguous abbreviations of long options, `--` ending the
 * options), so a check for an option cannot be dodged by spelling it another way. Pure.
 *
 * A word the shell computes at run time may turn out to be an option: unless its known prefix
 * rules that out, it is reported as `unknown`, and checks treat it as possibly anything.
 */
import { isLiteral, type Word } from '../bash-parser.js';

/** How a program's command line reads. */
export interface OptionGrammar {
  /** Short options that take a value: the rest of the cluster, or else the next word. */
  shortWithValue?: string;
  /** Long options (`--name`) that take a value: after `=`, or else the next word. */
  longWithValue?: readonly string[];
  /** Options end at the first operand (POSIX, and git before its subcommand). GNU default: not. */
  stopAtOperand?: boolean;
  /** No options at all: every word is an operand (`find`'s expressions, `dd`'s `of=`). */
  operandsOnly?: boolean;
}

export type ParsedArg =
  /** `-x` alone or inside a cluster; `value` when the option takes one. */
  | { kind: 'short'; letter: string; value?: Word }
  /** `--name` as written (possibly abbreviated), without its `=value`. */
  | { kind: 'long'; name: string; value?: Word }
  | { kind: 'operand'; value: Word; afterDoubleDash: boolean }
  /** A computed word that may be an option or an operand. */
  | { kind: 'unknown' };

/** Could `written` (`--out`) be the long option `option` (`--output`), abbreviated or not? */
function longMatches(written: string, option: string): boolean {
  return written.length >= 3 && option.startsWith(written);
}

function takesLongValue(name: string, grammar: OptionGrammar): boolean {
  const options = grammar.longWithValue ?? [];
  const exact = options.includes(name);
  if (exact) return true;
  // An abbreviation takes a value only if what it abbreviates does (and unambiguously so).
  const candidates = options.filter((option) => longMatches(name, option));
  return candidates.length > 0;
}

export function parseArgs(args: readonly Word[], grammar: OptionGrammar = {}): ParsedArg[] {
  const out: ParsedArg[] = [];
  let optionsEnded = grammar.operandsOnly ?? false;
  let afterDoubleDash = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as Word;
    if (optionsEnded) {
      out.push({ kind: 'operand', value: arg, afterDoubleDash });
      continue;
    }
    if (!isLiteral(arg)) {
      const maybeOption = arg.prefix === '' || arg.prefix.startsWith('-');
      if (maybeOption) out.push({ kind: 'unknown' });
      else {
        out.push({ kind: 'operand', value: arg, afterDoubleDash });
        if (grammar.stopAtOperand) optionsEnded = true;
      }
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      afterDoubleDash = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      if (eq !== -1) out.push({ kind: 'long', name, value: arg.slice(eq + 1) });
      else if (takesLongValue(name, grammar)) out.push({ kind: 'long', name, value: args[++i] ?? '' });
      else out.push({ kind: 'long', name });
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const withValue = grammar.shortWithValue ?? '';
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        if (withValue.includes(letter)) {
          const attached = arg.slice(j + 1);
          out.push({ kind: 'short', letter, value: attached !== '' ? attached : (args[++i] ?? '') });
          break;
        }
        out.push({ kind: 'short', letter });
      }
      continue;
    }
    out.push({ kind: 'operand', value: arg, afterDoubleDash });
    if (grammar.stopAtOperand) optionsEnded = true;
  }
  return out;
}

/** Does this argument stand for `option` (`-f` or `--force`)? An unknown word may be anything. */
export function optionMatches(arg: ParsedArg, option: string): boolean {
  if (arg.kind === 'unknown') return true;
  if (option.startsWith('--')) return arg.kind === 'long' && longMatches(arg.name, option);
  return arg.kind === 'short' && arg.letter === option.slice(1);
}

/**
 * The options before the first operand (POSIX order: a wrapper's own options come before the
 * command it runs), and the words from that operand on, untouched. `--` is consumed. A computed
 * word that may be an option stops the reading too: from there on, nothing is certain.
 */
export function leadingOptions(
  args: readonly Word[],
  grammar: OptionGrammar = {},
): { options: ParsedArg[]; rest: Word[]; uncertain: boolean } {
  const options: ParsedArg[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as Word;
    if (!isLiteral(arg)) {
      const maybeOption = !grammar.operandsOnly && (arg.prefix === '' || arg.prefix.startsWith('-'));
      return { options, rest: args.slice(i), uncertain: maybeOption };
    }
    if (arg === '--') return { options, rest: args.slice(i + 1), uncertain: false };
    if (grammar.operandsOnly || !arg.startsWith('-') || arg === '-')
      return { options, rest: args.slice(i), uncertain: false };
    const usesNext = nextWordIsValue(arg, grammar);
    options.push(...parseArgs(usesNext ? [arg, args[i + 1] ?? ''] : [arg], grammar));
    if (usesNext) i++;
  }
  return { options, rest: [], uncertain: false };
}

function nextWordIsValue(arg: string, grammar: OptionGrammar): boolean {
  if (arg.startsWith('--')) return !arg.includes('=') && takesLongValue(arg, grammar);
  const withValue = grammar.shortWithValue ?? '';
  for (let j = 1; j < arg.length; j++) {
    if (withValue.includes(arg[j] as string)) return j === arg.length - 1;
  }
  return false;
}
