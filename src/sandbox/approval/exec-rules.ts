/**
 * Exec-policy rules: data the user keeps in `$SPOOL_HOME/rules.toml`, consulted before the
 * approval policy. A rule matches commands that start with its `prefix` (exact words):
 *
 *   [[rule]]
 *   prefix = ["git", "push"]
 *   decision = "prompt"               # allow | prompt | forbidden
 *   reason = "pushes are reviewed"    # optional, shown when the rule applies
 *
 * Rules match the program actually run (see `command-analysis.ts`): every command anywhere in
 * the vector, and the command each wrapper runs (`env touch`, `timeout 5 touch`, `sh -c 'touch'`).
 *
 * - `forbidden` refuses the command in every mode; `prompt` always asks (refused under `never`).
 *   Both compare the program by name (`/usr/bin/touch` is `touch`), and a word the shell computes
 *   (`$T x`, `sh -c "$X"`) could be anything, so it matches them wherever it could.
 * - `allow` runs without asking — inside the sandbox when the session has one: a rule never lets
 *   a command out of it. It applies only when the vector is plain and every command it really runs
 *   has literal words and an allow rule of its own; destructive commands are still asked.
 *
 * A file that does not parse stops every command until it is fixed (a forbidden rule must not
 * silently lapse), and so does an allow rule for a bare interpreter or multi-tool (`python`,
 * `bash -lc`, `git`, `env`): it would allow running anything.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { z } from 'zod';
import { isLiteral, type Word } from '../bash-parser.js';
import type { CommandAnalysis } from './command-analysis.js';
import { bannedPrefixReason } from './rule-prefixes.js';

const RULES_FILE_NAME = 'rules.toml';

export const RuleDecision = z.enum(['allow', 'prompt', 'forbidden']);
export type RuleDecision = z.infer<typeof RuleDecision>;

const ExecRuleSchema = z.strictObject({
  prefix: z.array(z.string()).min(1, 'a rule needs at least one word in its prefix'),
  decision: RuleDecision,
  reason: z.string().optional(),
});
export type ExecRule = z.infer<typeof ExecRuleSchema>;

const RulesFileSchema = z.strictObject({
  /** Accepted for old files and ignored: a rule is saved only by the choice that shows it. */
  save_session_approvals: z.boolean().optional(),
  rule: z.array(ExecRuleSchema).optional(),
});

export interface ExecRules {
  rules: ExecRule[];
}

const NO_RULES: ExecRules = { rules: [] };

type RulesLoad = { ok: true; rules: ExecRules; file: string } | { ok: false; file: string; error: string };

export function rulesFile(spoolHome: string): string {
  return path.join(spoolHome, RULES_FILE_NAME);
}

/** Parses a rules file's text; throws with a readable message. Pure. */
export function parseExecRules(text: string): ExecRules {
  const parsed = RulesFileSchema.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
  }
  const rules = parsed.data.rule ?? [];
  rules.forEach((rule, i) => {
    const banned = rule.decision === 'allow' ? bannedPrefixReason(rule.prefix) : undefined;
    if (banned)
      throw new Error(`rule.${i}: an allow rule for [${rule.prefix.join(' ')}] is refused: ${banned}`);
  });
  return { rules };
}

export async function loadExecRules(spoolHome: string): Promise<RulesLoad> {
  const file = rulesFile(spoolHome);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, rules: NO_RULES, file };
    return { ok: false, file, error: (err as Error).message };
  }
  try {
    return { ok: true, rules: parseExecRules(text), file };
  } catch (err) {
    return { ok: false, file, error: (err as Error).message };
  }
}

export interface RuleMatch {
  decision: RuleDecision;
  /** The rule that decided (for forbidden/prompt: the strictest; for allow: the first). */
  rule: ExecRule;
}

const STRICTNESS: Record<RuleDecision, number> = { allow: 0, prompt: 1, forbidden: 2 };

function basename(word: string): string {
  return path.basename(word);
}

/**
 * Could `words` start with `prefix`? The program compares by name; a computed word could be any
 * word starting with its known prefix, and unquoted, any number of words (it splits).
 */
function couldStartWith(words: readonly Word[], prefix: readonly string[]): boolean {
  const seen = new Set<number>();
  const from = (i: number, j: number): boolean => {
    if (j === prefix.length) return true;
    if (i === words.length) return false;
    const key = i * (prefix.length + 1) + j;
    if (seen.has(key)) return false;
    seen.add(key);
    const word = words[i] as Word;
    const ruleWord = prefix[j] as string;
    if (isLiteral(word)) {
      const same = j === 0 ? basename(word) === basename(ruleWord) : word === ruleWord;
      return same && from(i + 1, j + 1);
    }
    const starts =
      word.prefix === '' || ruleWord.startsWith(word.prefix) || (j === 0 && word.prefix.includes('/'));
    // Quoted, it is one word; unquoted, it may split into none, or one or more of the rule's words.
    if (!word.splits) return starts && from(i + 1, j + 1);
    if (from(i + 1, j)) return true;
    if (!starts) return false;
    for (let k = j + 1; k <= prefix.length; k++) if (from(i + 1, k)) return true;
    return false;
  };
  return from(0, 0);
}

/** The strictest forbidden or prompt rule that could match one command. Pure. */
function matchCommand(rules: readonly ExecRule[], words: readonly Word[]): RuleMatch | undefined {
  let best: RuleMatch | undefined;
  for (const rule of rules) {
    if (rule.decision === 'allow' || !couldStartWith(words, rule.prefix)) continue;
    if (!best || STRICTNESS[rule.decision] > STRICTNESS[best.decision])
      best = { decision: rule.decision, rule };
  }
  return best;
}

/** The allow rule that matches one command exactly (literal words, the program as written). */
function allowRuleFor(rules: readonly ExecRule[], words: readonly Word[]): ExecRule | undefined {
  if (!words.every(isLiteral)) return undefined;
  return rules.find(
    (rule) =>
      rule.decision === 'allow' &&
      rule.prefix.length <= words.length &&
      rule.prefix.every((word, i) => words[i] === word),
  );
}

/**
 * The rules' decision for an analysed command vector. `forbidden` and `prompt` look at every
 * command at every layer, and at code that cannot be read (which could be anything); `allow`
 * needs a plain, readable vector in which every command that runs (wrappers that pass their work
 * on unchanged aside) has literal words and an allow rule. Undefined when the rules
 * say nothing. Pure.
 */
export function decideRules(
  rules: readonly ExecRule[],
  analysis: Pick<CommandAnalysis, 'commands' | 'plain' | 'opaque'>,
): RuleMatch | undefined {
  const candidates: Word[][] = analysis.commands.map((command) => command.words);
  // Code that cannot be read could be any command, of any length.
  if (analysis.opaque.length > 0) candidates.push([{ unknown: true, prefix: '', splits: true }]);
  let strictest: RuleMatch | undefined;
  for (const words of candidates) {
    const match = matchCommand(rules, words);
    if (match && (!strictest || STRICTNESS[match.decision] > STRICTNESS[strictest.decision]))
      strictest = match;
  }
  if (strictest) return strictest;
  if (analysis.opaque.length > 0 || !analysis.plain || analysis.plain.length === 0) return undefined;
  const run = analysis.commands.filter((command) => !command.transparent);
  const allows = run.map((command) => allowRuleFor(rules, command.words));
  if (allows.some((rule) => rule === undefined)) return undefined;
  return { decision: 'allow', rule: allows[0] as ExecRule };
}

/**
 * Appends an allow rule for `prefix` (unless an identical rule exists), written atomically. The
 * sandbox can never write here: the Spool home is read-only inside it. Throws (with why) when the
 * prefix may not be a rule or the file cannot be read or written.
 */
export async function saveAllowRule(spoolHome: string, prefix: readonly string[]): Promise<void> {
  const banned = bannedPrefixReason(prefix);
  if (banned) throw new Error(`[${prefix.join(' ')}] cannot be an allow rule: ${banned}`);
  const file = rulesFile(spoolHome);
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const current = text === '' ? NO_RULES : parseExecRules(text);
  if (current.rules.some((r) => r.decision === 'allow' && r.prefix.join('\0') === prefix.join('\0'))) return;
  const block = stringify({ rule: [{ prefix: [...prefix], decision: 'allow' }] });
  const next = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n# Saved when the user approved a command and chose to allow this prefix from now on.\n${block}\n`;
  await fs.mkdir(spoolHome, { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, next, { mode: 0o600 });
  await fs.rename(temp, file);
}
