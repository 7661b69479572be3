/** Command-line options shared by the commands that build a session, and their translation to flags. */
import { type Command, Option } from 'commander';
import type { CliFlags } from '../config/runtime.js';
import { ApprovalPolicy, SandboxMode } from '../protocol/policy.js';

/** Repeatable options. No default value, so a subcommand's absent option never hides its parent's. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const stdio = () => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** `-s, --sandbox <mode>` (its help text says whose sandbox). */
export const sandboxOption = (description: string): Option =>
  new Option('-s, --sandbox <mode>', description).choices(SandboxMode.options);

/** `-a, --ask-for-approval <policy>`. */
export const approvalOption = (description: string): Option =>
  new Option('-a, --ask-for-approval <policy>', description).choices(ApprovalPolicy.options);

/** Options every command that builds a session understands. */
export function addConfigOptions(command: Command): Command {
  return command
    .option('-m, --model <model>', 'model to use')
    .option('-p, --profile <name>', 'configuration profile from config.toml')
    .option('-c, --config <key=value>', 'override a configuration value (TOML value; repeatable)', collect)
    .option('--oss', 'use a local model server (Ollama or LM Studio, whichever answers)');
}

export function addRuntimeOptions(command: Command): Command {
  return addConfigOptions(command)
    .addOption(sandboxOption('sandbox policy for model commands'))
    .addOption(approvalOption('when to ask before running a command'))
    .option('-C, --cd <dir>', 'working directory for the session')
    .option('--add-dir <dir>', 'another writable directory (workspace-write; repeatable)', collect)
    .option('--plan', 'plan mode: explore and propose a plan; nothing may be changed (docs/plan-mode.md)')
    .option('--full-auto', 'shortcut for --sandbox workspace-write --ask-for-approval on-request')
    .option(
      '--dangerously-bypass-approvals-and-sandbox',
      'run every command without sandbox or approval (dangerous)',
    );
}

/** `exec`'s own options (also accepted after `exec resume`, where @openai/codex-sdk puts `--image`). */
export function addExecOptions(command: Command): Command {
  return (
    addRuntimeOptions(command)
      .option('--json', 'print events as JSON lines (the `codex exec --json` format)')
      .option('--experimental-json', 'alias of --json')
      .option('-o, --output-last-message <file>', 'also write the final message to this file')
      .option('--output-schema <file>', 'JSON Schema the final message must follow')
      .option('--skip-git-repo-check', 'do not warn when the directory is not a git repository')
      .option('-i, --image <file>', 'attach an image to the prompt (repeatable)', collect)
      .option(
        '--compact',
        "compact the session's history first (with `resume`; without a prompt, only compact)",
      )
      // Accepted for drop-in compatibility with @openai/codex-sdk, which passes them; no effect here.
      .addOption(new Option('--thread-source <source>').hideHelp())
      .addOption(new Option('--cyber-access-program <program>').hideHelp())
  );
}

const REPEATABLE = ['config', 'addDir', 'image'];

/**
 * Options given before the subcommand (`spool -c model=x exec …`) apply to it, as in Codex: each
 * goes to the first command on the way down that takes it, below the subcommand's own (repeatable
 * ones are concatenated, the root's first, so `-c` given later wins). An option the subcommand does
 * not take is refused, never silently dropped: the message is returned.
 */
export function applyRootOptions(root: Command, action: Command): string | undefined {
  if (action === root) return undefined;
  const chain: Command[] = [];
  for (let command: Command | null = action; command && command !== root; command = command.parent)
    chain.unshift(command);
  const refused: string[] = [];
  for (const option of root.options) {
    const key = option.attributeName();
    if (root.getOptionValueSource(key) !== 'cli') continue;
    const target = chain.find((command) => command.options.some((o) => o.attributeName() === key));
    if (!target) {
      refused.push(
        option.flags
          .split(/[ ,]+/)
          .filter((f) => f.startsWith('-'))
          .join('/'),
      );
      continue;
    }
    const value = root.getOptionValue(key);
    const ownGiven = target.getOptionValueSource(key) === 'cli';
    if (REPEATABLE.includes(key)) {
      const own = ownGiven ? ((target.getOptionValue(key) as string[] | undefined) ?? []) : [];
      target.setOptionValueWithSource(key, [...(value as string[]), ...own], 'cli');
    } else if (!ownGiven) target.setOptionValueWithSource(key, value, 'cli');
  }
  if (refused.length === 0) return undefined;
  const name = chain.map((command) => command.name()).join(' ');
  return `${refused.join(', ')} ${refused.length === 1 ? 'was' : 'were'} given before \`${name}\`, which does not take ${refused.length === 1 ? 'it' : 'them'}; give session options after the subcommand that uses them`;
}

/**
 * A subcommand's options merged over its parent's: single values from the subcommand win,
 * repeatable ones are concatenated (`exec -c a resume ID -c b` has both overrides).
 */
export function mergedOptions(command: Command): Record<string, unknown> {
  const parent = command.parent?.opts() ?? {};
  const own = command.opts();
  const merged: Record<string, unknown> = { ...parent, ...own };
  for (const key of REPEATABLE) {
    const values = [
      ...((parent[key] as string[] | undefined) ?? []),
      ...((own[key] as string[] | undefined) ?? []),
    ];
    if (values.length > 0) merged[key] = values;
  }
  return merged;
}

/** Turns parsed options into flags, resolving `--oss` to a provider. */
export async function flagsFrom(opts: Record<string, unknown>): Promise<CliFlags> {
  const flags: CliFlags = {
    model: opts.model as string | undefined,
    profile: opts.profile as string | undefined,
    config: (opts.config as string[] | undefined) ?? [],
    sandbox: (opts.sandbox as SandboxMode | undefined) ?? (opts.fullAuto ? 'workspace-write' : undefined),
    approvalPolicy:
      (opts.askForApproval as ApprovalPolicy | undefined) ?? (opts.fullAuto ? 'on-request' : undefined),
    cwd: opts.cd as string | undefined,
    addDirs: (opts.addDir as string[] | undefined) ?? [],
    bypass: Boolean(opts.dangerouslyBypassApprovalsAndSandbox),
    ...(opts.plan ? { plan: true } : {}),
  };
  if (opts.oss) {
    const { detectLocalProvider } = await import('../config/oss.js');
    flags.provider = await detectLocalProvider(flags, process.env);
  }
  return flags;
}

/** `spool resume ID|--last [PROMPT]` style arguments: with --last the first argument is the prompt. */
export function sessionArguments(
  name: string,
  session: string | undefined,
  prompt: string | undefined,
  opts: Record<string, unknown>,
): { id?: string; prompt?: string } | undefined {
  const [id, text] = opts.last ? [undefined, session] : [session, prompt];
  if (!opts.last && id === undefined) {
    process.stderr.write(`${name}: give a session id (or a unique prefix), or --last\n`);
    process.exitCode = 2;
    return undefined;
  }
  return { ...(id !== undefined ? { id } : {}), ...(text !== undefined ? { prompt: text } : {}) };
}
