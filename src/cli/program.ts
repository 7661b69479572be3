/**
 * The `spool` command line. Each subcommand's module is imported only when that command runs, so
 * `spool exec` never loads UI code.
 */
import { Command, CommanderError, Option } from 'commander';
import { SandboxMode } from '../sandbox/policy.js';
import { VERSION } from './version.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function addRuntimeOptions(command: Command): Command {
  return command
    .option('-m, --model <model>', 'model to use')
    .addOption(
      new Option('-s, --sandbox <mode>', 'sandbox policy for model commands').choices(SandboxMode.options),
    )
    .option('-C, --cd <dir>', 'working directory for the session')
    .option(
      '-c, --config <key=value>',
      'override a configuration value (TOML value; repeatable)',
      collect,
      [],
    )
    .option(
      '--dangerously-bypass-approvals-and-sandbox',
      'run every command without sandbox or approval (dangerous)',
    );
}

export function buildProgram(): Command {
  const program = new Command('spool')
    .description('Spool: a coding agent harness')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  addRuntimeOptions(
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
    .action(async (prompt: string | undefined, opts: Record<string, unknown>) => {
      const { runExec } = await import('./exec.js');
      process.exitCode = await runExec(
        {
          prompt,
          model: opts.model as string | undefined,
          sandbox: opts.sandbox as SandboxMode | undefined,
          cwd: opts.cd as string | undefined,
          config: opts.config as string[],
          bypass: Boolean(opts.dangerouslyBypassApprovalsAndSandbox),
          json: Boolean(opts.json || opts.experimentalJson),
          outputLastMessage: opts.outputLastMessage as string | undefined,
          outputSchemaFile: opts.outputSchema as string | undefined,
          skipGitRepoCheck: Boolean(opts.skipGitRepoCheck),
        },
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
      );
    });

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
    process.stderr.write(`spool: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
