/**
 * The `spool` command line. Each subcommand's module is imported only when that command runs, so
 * `spool exec` never loads UI code.
 *
 * Options are positional: the root's own options come before a subcommand, and a subcommand's
 * after it. Root options apply to the subcommand too (below its own), as in Codex; one the
 * subcommand does not take is refused with exit code 2 (see `applyRootOptions`).
 */
import { Command, CommanderError, type Command as CommandType } from 'commander';
import { VERSION } from '../version.js';
import { addEvalCommands } from './eval-program.js';
import { addFleetCommands } from './fleet-commands.js';
import { addMcpCommands } from './mcp-command.js';
import { addMediaCommands } from './media-program.js';
import {
  addConfigOptions,
  addExecOptions,
  addRuntimeOptions,
  applyRootOptions,
  flagsFrom,
  mergedOptions,
  sessionArguments,
  stdio,
} from './options.js';
import { addReplayCommand } from './replay-program.js';
import { addReviewCommands } from './review-program.js';

type Options = Record<string, unknown>;

type SessionChoice = { id?: string; last?: boolean; all?: boolean };

async function runExecWith(
  prompt: string | undefined,
  opts: Options,
  continuation: { resume?: SessionChoice; fork?: SessionChoice & { at?: number } } = {},
): Promise<void> {
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
      compact: Boolean(opts.compact),
      ...continuation,
    },
    stdio(),
  );
}

/** `--at TURN` as a turn number; undefined (and exit code 2 set) when it is not one. */
function turnNumber(command: string, at: unknown): number | undefined | false {
  if (at === undefined) return undefined;
  const turn = Number(at);
  if (Number.isInteger(turn) && turn >= 1) return turn;
  process.stderr.write(`${command}: --at takes a turn number (1 or more), not ${String(at)}\n`);
  process.exitCode = 2;
  return false;
}

function addExecCommands(program: CommandType): void {
  const exec = addExecOptions(
    program
      .command('exec')
      .description('run one non-interactive turn and print the final message')
      .argument('[prompt]', 'the prompt; `-` or omitted to read it from stdin'),
  ).action((prompt: string | undefined, opts: Options) => runExecWith(prompt, opts));

  addExecOptions(
    exec
      .command('resume')
      .description('continue a recorded session with one more turn (takes every `spool exec` option)')
      .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
      .argument('[prompt]', 'the prompt; `-` or omitted to read it from stdin'),
  )
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .action(
      async (
        session: string | undefined,
        prompt: string | undefined,
        _opts: unknown,
        command: CommandType,
      ) => {
        const opts = mergedOptions(command);
        const args = sessionArguments('spool exec resume', session, prompt, opts);
        if (args)
          await runExecWith(args.prompt, opts, {
            resume: { id: args.id, last: Boolean(opts.last), all: Boolean(opts.all) },
          });
      },
    );

  addExecOptions(
    exec
      .command('fork')
      .description(
        'fork a recorded session and run one turn in the copy (the original is unchanged; takes every `spool exec` option)',
      )
      .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
      .argument('[prompt]', 'the prompt; `-` or omitted to read it from stdin'),
  )
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .option('--at <turn>', 'keep the history through this turn (1-based; default: all turns)')
    .action(
      async (
        session: string | undefined,
        prompt: string | undefined,
        _opts: unknown,
        command: CommandType,
      ) => {
        const opts = mergedOptions(command);
        const args = sessionArguments('spool exec fork', session, prompt, opts);
        const at = turnNumber('spool exec fork', opts.at);
        if (!args || at === false) return;
        await runExecWith(args.prompt, opts, {
          fork: {
            id: args.id,
            last: Boolean(opts.last),
            all: Boolean(opts.all),
            ...(at !== undefined ? { at } : {}),
          },
        });
      },
    );

  addReviewCommands(program, exec);
  addMediaCommands(program);
}

function addInteractiveCommands(program: CommandType): void {
  addRuntimeOptions(program)
    .argument('[prompt]', 'a first prompt for the interactive session')
    .action(async (prompt: string | undefined, opts: Options) => {
      const { runInteractive } = await import('../tui/run.js');
      process.exitCode = await runInteractive({
        ...(await flagsFrom(opts)),
        ...(prompt !== undefined ? { prompt } : {}),
      });
    });

  addRuntimeOptions(
    program
      .command('resume')
      .description('continue a recorded session in the interactive UI')
      .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
      .argument('[prompt]', 'a prompt to send at once'),
  )
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .action(async (session: string | undefined, prompt: string | undefined, opts: Options) => {
      const args = sessionArguments('spool resume', session, prompt, opts);
      if (!args) return;
      const { runInteractive } = await import('../tui/run.js');
      process.exitCode = await runInteractive({
        ...(await flagsFrom(opts)),
        ...(args.prompt !== undefined ? { prompt: args.prompt } : {}),
        resume: { id: args.id, last: Boolean(opts.last), all: Boolean(opts.all) },
      });
    });

  addRuntimeOptions(
    program
      .command('fork')
      .description("start a new session from a recorded one's history (up to a turn)")
      .argument('[session]', 'session id or a unique prefix of it (omit with --last)'),
  )
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .option('--at <turn>', 'keep the history through this turn (1-based; default: all turns)')
    .option('--json', 'only print the new session as JSON (no interactive UI)')
    .action(async (id: string | undefined, opts: Options) => {
      const choice = { id, last: Boolean(opts.last), all: Boolean(opts.all) };
      const { runFork } = await import('./sessions-command.js');
      // For scripts (JSON, or no terminal): fork and print the new id.
      if (opts.json || !process.stdout.isTTY) {
        process.exitCode = runFork(
          { ...choice, at: opts.at as string | undefined, json: Boolean(opts.json) },
          stdio(),
        );
        return;
      }
      const at = turnNumber('spool fork', opts.at);
      if (at === false) return;
      if (!choice.last && id === undefined) {
        process.stderr.write('spool fork: give a session id (or a unique prefix), or --last\n');
        process.exitCode = 2;
        return;
      }
      const { runInteractive } = await import('../tui/run.js');
      process.exitCode = await runInteractive({
        ...(await flagsFrom(opts)),
        fork: { ...choice, ...(at ? { at } : {}) },
      });
    });
}

function addSessionCommands(program: CommandType): void {
  const sessions = program
    .command('sessions')
    .description('list recorded sessions, newest first')
    .option('--cwd <dir>', 'only sessions started in this directory')
    .option('--limit <n>', 'show at most this many')
    .option('--json', 'print as JSON')
    .action(async (opts: Options) => {
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
    .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .action(async (id: string | undefined, opts: Options) => {
      const { runSessionsShow } = await import('./sessions-command.js');
      process.exitCode = runSessionsShow({ id, last: Boolean(opts.last), all: Boolean(opts.all) }, stdio());
    });
  program
    .command('stats')
    .description('rates, tokens and cost over the recorded sessions')
    .option('--since <when>', 'only sessions started since then: 7d, 24h, 30m or a date')
    .option('--by <grouping>', 'group by model, repo (the directory) or day')
    .option('--json', 'print as JSON')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .action(async (opts: Options) => {
      const { runStats } = await import('./stats-command.js');
      process.exitCode = runStats(
        {
          since: opts.since as string | undefined,
          by: opts.by as string | undefined,
          json: Boolean(opts.json),
          html: opts.html as string | undefined,
        },
        stdio(),
      );
    });
}

function addToolingCommands(program: CommandType): void {
  const config = program.command('config').description('inspect the configuration');
  addRuntimeOptions(
    config.command('show').description('print the effective configuration and where each value comes from'),
  )
    .option('--json', 'print as JSON')
    .action(async (opts: Options) => {
      const { runConfigShow } = await import('./config-command.js');
      process.exitCode = runConfigShow({ ...(await flagsFrom(opts)), json: Boolean(opts.json) }, stdio());
    });

  const skills = program.command('skills').description('Agent Skills (SKILL.md folders) available here');
  addRuntimeOptions(skills.command('list').description('list the skills the model gets in this directory'))
    .option('--json', "print as JSON (Codex's skills/list entry)")
    .action(async (opts: Options) => {
      const { runSkillsList } = await import('./skills-command.js');
      process.exitCode = runSkillsList({ ...(await flagsFrom(opts)), json: Boolean(opts.json) }, stdio());
    });

  addConfigOptions(program.command('models').description("list the provider's models"))
    .option('--json', 'print as JSON')
    .action(async (opts: Options) => {
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
    .action(async (opts: Options) => {
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
}

function buildProgram(): CommandType {
  const program = new Command('spool')
    .description('Spool: a coding agent harness. Without a command, opens the interactive session.')
    .version(VERSION)
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  program.hook('preAction', (_root, action) => {
    const refused = applyRootOptions(program, action);
    if (refused) {
      process.stderr.write(`spool: ${refused}\n`);
      throw new CommanderError(2, 'spool.rootOption', refused);
    }
  });
  addInteractiveCommands(program);
  addExecCommands(program);
  addSessionCommands(program);
  addToolingCommands(program);
  addFleetCommands(program);
  addReplayCommand(program);
  addEvalCommands(program);
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
