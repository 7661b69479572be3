/** `spool replay` on the command line; its module loads only when it runs. */
import type { Command } from 'commander';
import { stdio } from './options.js';

type Options = Record<string, unknown>;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      're-run a recorded session offline with its recorded model responses; --check compares every request',
    )
    .argument('[session]', 'session id (or a unique prefix) or a rollout file; omit with --last')
    .option('--last', 'the most recent session started in this directory')
    .option('--check', 'compare every request with the recorded one byte for byte (exit 1 on a divergence)')
    .option('--from <turn>', 'start at this turn (earlier turns come from the log)')
    .option('--workspace <dir>', 'copy this directory instead of the recorded working directory')
    .option('--keep-workspace', 'keep the scratch copy (its path is printed)')
    .option(
      '-s, --sandbox <mode>',
      'replace the recorded sandbox (needed to replay a session that ran without one)',
    )
    .option('-c, --config <key=value>', 'override a configuration value (TOML value; repeatable)', collect)
    .option('-p, --profile <name>', 'configuration profile from config.toml')
    .option('--json', 'print the result as JSON')
    .action(async (session: string | undefined, opts: Options) => {
      const { runReplayCommand } = await import('./replay-command.js');
      process.exitCode = await runReplayCommand(
        {
          session,
          last: Boolean(opts.last),
          check: Boolean(opts.check),
          from: opts.from as string | undefined,
          json: Boolean(opts.json),
          workspace: opts.workspace as string | undefined,
          keepWorkspace: Boolean(opts.keepWorkspace),
          config: (opts.config as string[] | undefined) ?? [],
          profile: opts.profile as string | undefined,
          sandbox: opts.sandbox as string | undefined,
        },
        { ...stdio(), cwd: process.cwd() },
      );
    });
}
