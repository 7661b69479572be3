/**
 * The `spool` command line. Each subcommand's module is imported only when that command runs, so
 * `spool exec` never loads UI code.
 */
import { Command, CommanderError, Option } from 'commander';
import type { CliFlags } from '../config/runtime.js';
import { ApprovalPolicy, SandboxMode } from '../sandbox/policy.js';
import { addMcpCommands } from './mcp-command.js';
import { VERSION } from './version.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const stdio = () => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Options every command that builds a session understands. */
function addConfigOptions(command: Command): Command {
  return command
    .option('-m, --model <model>', 'model to use')
    .option('-p, --profile <name>', 'configuration profile from config.toml')
    .option(
      '-c, --config <key=value>',
      'override a configuration value (TOML value; repeatable)',
      collect,
      [],
    )
    .option('--oss', 'use a local model server (Ollama or LM Studio, whichever answers)');
}

function addRuntimeOptions(command: Command): Command {
  return addConfigOptions(command)
    .addOption(
      new Option('-s, --sandbox <mode>', 'sandbox policy for model commands').choices(SandboxMode.options),
    )
    .addOption(
      new Option('-a, --ask-for-approval <policy>', 'when to ask before running a command').choices(
        ApprovalPolicy.options,
      ),
    )
    .option('-C, --cd <dir>', 'working directory for the session')
    .option('--add-dir <dir>', 'another writable directory (workspace-write; repeatable)', collect, [])
    .option('--full-auto', 'shortcut for --sandbox workspace-write --ask-for-approval on-request')
    .option(
      '--dangerously-bypass-approvals-and-sandbox',
      'run every command without sandbox or approval (dangerous)',
    );
}

/** Turns parsed options into flags, resolving `--oss` to a provider. */
async function flagsFrom(opts: Record<string, unknown>): Promise<CliFlags> {
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
  };
  if (opts.oss) {
    const { detectLocalProvider } = await import('../config/oss.js');
    flags.provider = await detectLocalProvider(flags, process.env);
  }
  return flags;
}

export function buildProgram(): Command {
  const program = new Command('spool')
    .description('Spool: a coding agent harness')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  const exec = addRuntimeOptions(
    program
      .command('exec')
      .description('run one non-interactive turn and print the final message')
      .argument('[prompt]', 'the prompt; `-` or omitted to read it from stdin'),
  )
    .option('--json', 'print events as JSON lines (the `codex exec --json` format)')
    .option('--experimental-json', 'alias of --json')
    .option('-o, --output-last-message <file>', 'also write the final message to this file')
    .option('--output-schema <file>', 'JSON Schema the final message must follow')
    .option('--skip-git-repo-check', 'do not warn when the directory is not a git repository')
    .option('-i, --image <file>', 'attach an image to the prompt (repeatable)', collect, [])
    // Accepted for drop-in compatibility with @openai/codex-sdk, which passes them; no effect here.
    .addOption(new Option('--thread-source <source>').hideHelp())
    .addOption(new Option('--cyber-access-program <program>').hideHelp());
  const runExecWith = async (
    prompt: string | undefined,
    opts: Record<string, unknown>,
    resume?: { id?: string; last?: boolean; all?: boolean },
  ) => {
    const { runExec } = await import('./exec.js');
    process.exitCode = await runExec(
      {
        ...(await flagsFrom(opts)),
        prompt,
        json: Boolean(opts.json || opts.experimentalJson),
        outputLastMessage: opts.outputLastMessage as string | undefined,
        outputSchemaFile: opts.outputSchema as string | undefined,
        skipGitRepoCheck: Boolean(opts.skipGitRepoCheck),
        images: (opts.image as string[] | undefined) ?? [],
        ...(resume ? { resume } : {}),
      },
      stdio(),
    );
  };
  exec.action((prompt: string | undefined, opts: Record<string, unknown>) => runExecWith(prompt, opts));
  exec
    .command('resume')
    .description('continue a recorded session with one more turn (takes every `spool exec` option)')
    .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
    .argument('[prompt]', 'the prompt; `-` or omitted to read it from stdin')
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .action(
      async (session: string | undefined, prompt: string | undefined, _opts: unknown, command: Command) => {
        const opts = command.optsWithGlobals();
        // With --last, the first argument is the prompt.
        const [id, text] = opts.last ? [undefined, session] : [session, prompt];
        if (!opts.last && id === undefined) {
          process.stderr.write('spool exec resume: give a session id (or a unique prefix), or --last\n');
          process.exitCode = 2;
          return;
        }
        await runExecWith(text, opts, { id, last: Boolean(opts.last), all: Boolean(opts.all) });
      },
    );

  const sessions = program
    .command('sessions')
    .description('list recorded sessions, newest first')
    .option('--cwd <dir>', 'only sessions started in this directory')
    .option('--limit <n>', 'show at most this many')
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runSessionsList } = await import('./sessions-command.js');
      process.exitCode = runSessionsList(
        {
          cwd: opts.cwd as string | undefined,
          json: Boolean(opts.json),
          ...(opts.limit !== undefined ? { limit: Number(opts.limit) } : {}),
        },
        stdio(),
      );
    });
  sessions
    .command('show')
    .description('print a session as Markdown')
    .argument('<session>', 'session id or a unique prefix of it')
    .action(async (id: string) => {
      const { runSessionsShow } = await import('./sessions-command.js');
      process.exitCode = runSessionsShow(id, stdio());
    });

  program
    .command('fork')
    .description("start a new session from a recorded one's history (up to a turn); prints its id")
    .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .option('--at <turn>', 'keep the history through this turn (1-based; default: all turns)')
    .option('--json', 'print the new session as JSON')
    .action(async (id: string | undefined, opts: Record<string, unknown>) => {
      const { runFork } = await import('./sessions-command.js');
      process.exitCode = runFork(
        {
          id,
          last: Boolean(opts.last),
          all: Boolean(opts.all),
          at: opts.at as string | undefined,
          json: Boolean(opts.json),
        },
        stdio(),
      );
    });

  const config = program.command('config').description('inspect the configuration');
  addRuntimeOptions(
    config.command('show').description('print the effective configuration and where each value comes from'),
  )
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runConfigShow } = await import('./config-command.js');
      process.exitCode = runConfigShow({ ...(await flagsFrom(opts)), json: Boolean(opts.json) }, stdio());
    });

  addConfigOptions(program.command('models').description("list the provider's models"))
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runModels } = await import('./models-command.js');
      process.exitCode = await runModels({ ...(await flagsFrom(opts)), json: Boolean(opts.json) }, stdio());
    });

  addRuntimeOptions(
    program
      .command('app-server')
      .description("serve Codex's app-server protocol (JSON-RPC v2) on stdio or a WebSocket"),
  )
    .option('--listen <url>', 'stdio:// (default) or ws://HOST:PORT', 'stdio://')
    .option('--ws-token-file <file>', 'WebSocket bearer token file (default: $SPOOL_APP_SERVER_TOKEN)')
    .action(async (opts: Record<string, unknown>) => {
      const { runAppServer } = await import('../app-server/run.js');
      process.exitCode = await runAppServer({
        flags: await flagsFrom(opts),
        listen: opts.listen as string,
        wsTokenFile: opts.wsTokenFile as string | undefined,
      });
    });

  program
    .command('apply-patch')
    .description("apply a patch in Codex's format to the current directory (all or nothing)")
    .argument('[patch]', 'the patch; `-` or omitted to read it from stdin')
    .action(async (patch: string | undefined) => {
      const { runApplyPatchCommand } = await import('./apply-patch-command.js');
      process.exitCode = await runApplyPatchCommand(patch, { cwd: process.cwd(), ...stdio() });
    });

  addMcpCommands(program, stdio);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse error is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const { ConfigError } = await import('../config/load.js');
    if (err instanceof ConfigError) {
      process.stderr.write(`spool: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`spool: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
