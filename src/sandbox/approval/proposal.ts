/**
 * The rule a question may offer to save ("allow commands starting with … from now on"): the
 * model's `prefix_rule`, or else the words of the one command that runs — only when it may be a
 * rule at all (see `rule-prefixes.ts`) and, added to the rules, it would allow this very command
 * (every command of a script, not just one of them). Otherwise no rule is offered. Pure.
 */
import { isLiteral } from '../bash-parser.js';
import type { CommandAnalysis } from './command-analysis.js';
import { decideRules, type ExecRule } from './exec-rules.js';
import { bannedPrefixReason } from './rule-prefixes.js';

export function proposeRule(
  rules: readonly ExecRule[],
  analysis: Pick<CommandAnalysis, 'commands' | 'plain' | 'opaque'>,
  prefixRule: readonly string[] | undefined,
): string[] | undefined {
  if (analysis.opaque.length > 0 || !analysis.plain) return undefined;
  const run = analysis.commands.filter((command) => !command.transparent);
  const only = run.length === 1 ? run[0]?.words : undefined;
  const candidate =
    prefixRule && prefixRule.length > 0
      ? [...prefixRule]
      : only?.every(isLiteral)
        ? (only as string[])
        : undefined;
  if (!candidate || bannedPrefixReason(candidate)) return undefined;
  const withRule = decideRules([...rules, { prefix: candidate, decision: 'allow' }], analysis);
  return withRule?.decision === 'allow' ? candidate : undefined;
}
