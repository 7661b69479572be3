/**
 * The review commands on the command line: `spool review …` (with `feedback` and `stats`) and
 * `spool exec review …` (Codex's spelling). Their modules load only when they run.
 */
import { type Command, Option } from 'commander';
import { addRuntimeOptions, flagsFrom, mergedOptions, stdio } from './options.js';

type Options = Record<string, unknown>;

function addReviewOptions(command: Command): Command {
  return addRuntimeOptions(command)
    .argument(
      '[prompt]',
      'custom review instructions (alone), or more instructions for the target; `-` reads stdin',
    )
    .option('--uncommitted', 'review staged, unstaged and untracked changes')
    .option('--base <branch>', 'review the changes against this base branch')
    .option('--commit <sha>', 'review the changes a commit introduced')
    .option('--title <title>', 'with --commit: the commit title to show')
    .addOption(
      new Option('--format <format>', 'output: markdown (default), json, sarif, github').choices([
        'markdown',
        'json',
        'sarif',
        'github',
      ]),
    )
    .option('--json', 'print events as JSON lines (the `codex exec --json` format, findings included)')
    .option('--experimental-json', 'alias of --json')
    .option(
      '-o, --output-last-message <file>',
      'also write the review to this file (with --json: the findings)',
    )
    .option('--fail-on <priority>', 'exit 3 when a finding at or above this priority (P0–P3) remains')
    .option('--skip-git-repo-check', 'accepted for compatibility (a review needs a repository anyway)');
}

async function runWith(prompt: string | undefined, opts: Options): Promise<void> {
  const { runReviewCommand } = await import('./review-command.js');
  process.exitCode = await runReviewCommand(
    {
      ...(await flagsFrom(opts)),
      prompt,
      uncommitted: Boolean(opts.uncommitted),
      base: opts.base as string | undefined,
      commit: opts.commit as string | undefined,
      title: opts.title as string | undefined,
      json: Boolean(opts.json || opts.experimentalJson),
      format: opts.format as string | undefined,
      outputFile: opts.outputLastMessage as string | undefined,
      failOn: opts.failOn as string | undefined,
    },
    stdio(),
  );
}

export function addReviewCommands(program: Command, exec: Command): void {
  const review = addReviewOptions(
    program.command('review').description('review a change: findings for people, CI and pull requests'),
  ).action((prompt: string | undefined, opts: Options) => runWith(prompt, opts));

  review
    .command('feedback')
    .description("record how a review's finding was received (measured by `spool review stats`)")
    .argument('<review>', 'the review id (its session id, or a unique prefix)')
    .argument('<finding>', "the finding's number in the review (1, 2, …)")
    .argument('<reaction>', 'up or down')
    .option('--reason <text>', 'why')
    .action(async (reviewId: string, finding: string, reaction: string, opts: Options) => {
      const { runReviewFeedback } = await import('./review-outcomes-command.js');
      process.exitCode = runReviewFeedback(
        { reviewId, finding, reaction, reason: opts.reason as string | undefined },
        stdio(),
      );
    });

  review
    .command('stats')
    .description('acceptance of review findings per priority, model and repository')
    .option('--since <when>', 'only reviews since a date (2026-01-31) or an age (7d, 24h, 2w)')
    .option('--json', 'print as JSON')
    .action(async (opts: Options) => {
      const { runReviewStats } = await import('./review-outcomes-command.js');
      process.exitCode = runReviewStats(
        { since: opts.since as string | undefined, json: Boolean(opts.json) },
        stdio(),
      );
    });

  addReviewOptions(exec.command('review').description('review a change (same as `spool review`)')).action(
    (prompt: string | undefined, _opts: unknown, command: Command) => runWith(prompt, mergedOptions(command)),
  );
}
