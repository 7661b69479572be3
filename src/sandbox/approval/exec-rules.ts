/**
 * Exec-policy rules: data the user keeps in `$SPOOL_HOME/rules.toml`, consulted before the
 * approval policy. A rule matches commands that start with its `prefix` (exact words):
 *
 *   save_session_approvals = false   # true: "approve for this session" also saves an allow rule
 *
 *   [[rule]]
 *   prefix = ["git", "push"]
 *   decision = "prompt"               # allow | prompt | forbidden
 *   reason = "pushes are reviewed"    # optional, shown when the rule applies
 *
 * `forbidden` refuses the command (in every mode), `prompt` always asks (and refuses under
 * `never`), `allow` runs it without asking, outside the sandbox where the model asked for that,
 * like a standing approval. A script's commands (`bash -lc "a && b"`) are matched one by one: the
 * strictest decision wins, and `allow` applies only when every command is allowed. A file that
 * does not parse stops every command until it is fixed (a forbidden rule must not silently lapse).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { z } from 'zod';

export const RULES_FILE_NAME = 'rules.toml';

export const RuleDecision = z.enum(['allow', 'prompt', 'forbidden']);
export type RuleDecision = z.infer<typeof RuleDecision>;

const ExecRuleSchema = z.strictObject({
  prefix: z.array(z.string()).min(1, 'a rule needs at least one word in its prefix'),
  decision: RuleDecision,
  reason: z.string().optional(),
});
export type ExecRule = z.infer<typeof ExecRuleSchema>;

const RulesFileSchema = z.strictObject({
  save_session_approvals: z.boolean().optional(),
  rule: z.array(ExecRuleSchema).optional(),
});

export interface ExecRules {
  rules: ExecRule[];
  saveSessionApprovals: boolean;
}

export const NO_RULES: ExecRules = { rules: [], saveSessionApprovals: false };

export type RulesLoad =
  | { ok: true; rules: ExecRules; file: string }
  | { ok: false; file: string; error: string };

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
  return { rules: parsed.data.rule ?? [], saveSessionApprovals: parsed.data.save_session_approvals ?? false };
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

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= words.length && prefix.every((word, i) => words[i] === word);
}

/** The strictest rule matching one command. Pure. */
export function matchCommand(rules: readonly ExecRule[], words: readonly string[]): RuleMatch | undefined {
  let best: RuleMatch | undefined;
  for (const rule of rules) {
    if (!startsWith(words, rule.prefix)) continue;
    if (!best || STRICTNESS[rule.decision] > STRICTNESS[best.decision])
      best = { decision: rule.decision, rule };
  }
  return best;
}

/**
 * The decision for a command vector's commands: the strictest match; `allow` only when every
 * command matched an allow rule. Undefined when the rules say nothing. Pure.
 */
export function matchRules(
  rules: readonly ExecRule[],
  commands: readonly (readonly string[])[],
): RuleMatch | undefined {
  const matches = commands.map((words) => matchCommand(rules, words));
  let strictest: RuleMatch | undefined;
  for (const match of matches) {
    if (match && (!strictest || STRICTNESS[match.decision] > STRICTNESS[strictest.decision]))
      strictest = match;
  }
  if (!strictest) return undefined;
  if (strictest.decision === 'allow' && matches.some((m) => m === undefined)) return undefined;
  return strictest;
}

/**
 * The rules' decision for a command vector. `forbidden` and `prompt` look at every command found
 * anywhere in it (so a redirection or a substitution cannot hide `git push` from its rule; a word
 * the shell computes matches no rule word); `allow` needs the vector to be plain commands only,
 * every one of them allowed. Pure.
 */
export function decideRules(
  rules: readonly ExecRule[],
  commands: {
    plain: readonly (readonly string[])[] | undefined;
    every: readonly (readonly (string | undefined)[])[];
  },
): RuleMatch | undefined {
  const known = commands.every.map((words) => words.map((w) => w ?? '\u0000'));
  const strict = matchRules(
    rules.filter((rule) => rule.decision !== 'allow'),
    known,
  );
  if (strict) return strict;
  return commands.plain ? matchRules(rules, commands.plain) : undefined;
}

/**
 * Appends an allow rule for `prefix` (unless an identical rule exists), written atomically. The
 * sandbox can never write here: the Spool home is read-only inside it.
 */
export async function saveAllowRule(spoolHome: string, prefix: readonly string[]): Promise<void> {
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
  const next = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n# Saved from an approval for the session.\n${block}\n`;
  await fs.mkdir(spoolHome, { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, next, { mode: 0o600 });
  await fs.rename(temp, file);
}
