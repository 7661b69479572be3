/** `spool eval …` on the command line; its module loads only when it runs. */
import type { Command } from 'commander';
import { addConfigOptions, flagsFrom, stdio } from './options.js';

type Options = Record<string, unknown>;

export function addEvalCommands(program: Command): void {
  const evaluate = program.command('eval').description('measure Spool on recorded work');
  addConfigOptions(
    evaluate
      .command('incidents')
      .description('replay past incidents through `spool review` and report the catch rate (docs/eval.md)')
      .argument('<corpus>', 'a folder of cases (each a folder with case.toml)'),
  )
    .option('--concurrency <n>', 'cases reviewed at once (default 2)')
    .option('--judge <model>', 'ask this model whether a finding would have prevented each incident')
    .option('--out <dir>', 'where reports and recordings go (default ./spool-eval-report)')
    .option('--offline', "re-run from the corpus's recordings instead of a model")
    .option('--record', "also keep this run's recordings in the corpus (for --offline)")
    .option(
      '--label <name>',
      'name of this run in reports and recordings (default: the model and the overrides)',
    )
    .option('--tolerance <lines>', 'lines of slack when matching a finding to a culprit range (default 3)')
    .option('--json', 'print the report as JSON')
    .action(async (corpus: string, opts: Options) => {
      const { runEvalIncidents } = await import('./eval-command.js');
      process.exitCode = await runEvalIncidents(
        {
          ...(await flagsFrom(opts)),
          corpus,
          judge: opts.judge as string | undefined,
          concurrency: opts.concurrency as string | undefined,
          out: opts.out as string | undefined,
          offline: Boolean(opts.offline),
          record: Boolean(opts.record),
          label: opts.label as string | undefined,
          tolerance: opts.tolerance as string | undefined,
          json: Boolean(opts.json),
        },
        stdio(),
      );
    });
}
