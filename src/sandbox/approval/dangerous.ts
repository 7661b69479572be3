/**
 * Destructive commands (the rules are data in `destructive-rules.ts`), judged on every command a
 * vector runs — in pipelines, substitutions, subshells, `bash -c` scripts, `eval` strings, and
 * through wrappers like `sudo`, `env`, `nice`, `timeout`, `xargs` and `find -exec` (see
 * `command-analysis.ts`). A program named by a variable is judged against every rule that has
 * conditions; code that cannot be read before it runs (`sh -c "$X"`, `… | sh`) counts as
 * destructive too, since it could be. Pure.
 */
import { isLiteral, type Word } from '../bash-parser.js';
import type { CommandAnalysis } from './command-analysis.js';
import {
  DESTRUCTIVE_RULES,
  type DestructiveCondition,
  type DestructiveRule,
  GIT_GLOBAL_GRAMMAR,
} from './destructive-rules.js';
import { leadingOptions, optionMatches, type ParsedArg, parseArgs } from './options.js';
import { programName } from './wrappers.js';

function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function holds(condition: DestructiveCondition, parsed: readonly ParsedArg[]): boolean {
  if (condition.options && !condition.options.some((o) => parsed.some((arg) => optionMatches(arg, o))))
    return false;
  if (
    condition.withoutOptions?.some((o) =>
      parsed.some((arg) => arg.kind !== 'unknown' && optionMatches(arg, o)),
    )
  )
    return false;
  if (condition.afterDoubleDash && !parsed.some((arg) => arg.kind === 'operand' && arg.afterDoubleDash))
    return false;
  if (condition.operandIs || condition.operandStartsWith) {
    const is = condition.operandIs ?? [];
    const starts = condition.operandStartsWith ?? [];
    const matches = (arg: ParsedArg): boolean => {
      if (arg.kind === 'unknown') return true;
      if (arg.kind !== 'operand') return false;
      if (isLiteral(arg.value)) {
        const value = arg.value;
        return is.includes(value) || starts.some((start) => value.startsWith(start));
      }
      // Computed: could its value, which starts with `prefix`, be one of them?
      const prefix = arg.value.prefix;
      return (
        is.some((value) => value.startsWith(prefix)) ||
        starts.some((start) => start.startsWith(prefix) || prefix.startsWith(start))
      );
    };
    if (!parsed.some(matches)) return false;
  }
  return true;
}

function ruleReason(rule: DestructiveRule, words: readonly Word[]): boolean {
  const program = programName(words[0]);
  if (program === undefined && rule.when === undefined) return false;
  if (program !== undefined && !rule.programs.some((p) => nameMatches(p, program))) return false;
  let args = words.slice(1);
  if (rule.subcommands) {
    const { rest, uncertain } = leadingOptions(args, GIT_GLOBAL_GRAMMAR);
    const sub = rest[0];
    if (sub === undefined) return false;
    const known = isLiteral(sub) && !uncertain;
    if (known && !rule.subcommands.includes(sub)) return false;
    args = known ? rest.slice(1) : rest;
  }
  const parsed = parseArgs(args, rule.grammar);
  return rule.when === undefined || rule.when.some((condition) => holds(condition, parsed));
}

/** Why one command is destructive, or undefined. */
function destructiveReason(words: readonly Word[]): string | undefined {
  return DESTRUCTIVE_RULES.find((rule) => ruleReason(rule, words))?.reason;
}

/** A command for a message: literal words as they are, computed ones as `…`. */
function describeWords(words: readonly Word[]): string {
  return words.map((word) => (isLiteral(word) ? word : `${word.prefix}…`)).join(' ');
}

/** Why anything `analysis` runs is destructive (the first found), or undefined. */
export function dangerousReason(analysis: Pick<CommandAnalysis, 'commands' | 'opaque'>): string | undefined {
  for (const { words } of analysis.commands) {
    const reason = destructiveReason(words);
    if (reason) return `${describeWords(words)}: ${reason}`;
    const [program] = words;
    if (program !== undefined && !isLiteral(program) && program.splits && program.prefix === '')
      return `${describeWords(words)}: the command itself comes from an unquoted expansion, so it may be any command, destructive ones included`;
  }
  const [opaque] = analysis.opaque;
  if (opaque !== undefined) return `${opaque}, so it may do anything, destructive commands included`;
  return undefined;
}
