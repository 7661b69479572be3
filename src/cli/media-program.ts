/** `spool media …` on the command line; its module loads only when it runs. */
import type { Command } from 'commander';
import { addExecOptions, flagsFrom, mergedOptions, sessionArguments, stdio } from './options.js';

type Options = Record<string, unknown>;

function addMediaOptions(command: Command): Command {
  return addExecOptions(command)
    .option('--brand <file>', 'brand guide joined to the instructions (default: BRAND.md here, if present)')
    .option('--budget <usd>', 'most the generations may cost, in USD (checked before each one)')
    .option('--out <dir>', 'folder the assets and manifest.json go to (default: media/)');
}

type Continuation =
  | { resume: { id?: string; last: boolean; all: boolean } }
  | { fork: { id?: string; last: boolean; all: boolean; at?: number } };

async function runWith(prompt: string | undefined, opts: Options, continuation?: Continuation) {
  const { runMedia } = await import('./media-command.js');
  process.exitCode = await runMedia(
    {
      ...(await flagsFrom(opts)),
      prompt,
      json: Boolean(opts.json || opts.experimentalJson),
      outputLastMessage: opts.outputLastMessage as string | undefined,
      outputSchemaFile: opts.outputSchema as string | undefined,
      images: (opts.image as string[] | undefined) ?? [],
      brand: opts.brand as string | undefined,
      budget: opts.budget as string | undefined,
      out: opts.out as string | undefined,
      ...continuation,
    },
    stdio(),
  );
}

export function addMediaCommands(program: Command): void {
  const media = addMediaOptions(
    program
      .command('media')
      .description('produce images and videos for a brief: generate, view, critique, revise (docs/media.md)')
      .argument('[brief]', 'the brief; `-` or omitted to read it from stdin'),
  ).action((brief: string | undefined, opts: Options) => runWith(brief, opts));

  addMediaOptions(
    media
      .command('resume')
      .description('continue a media session (collecting generations in flight when it stopped)')
      .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
      .argument('[brief]', 'more instructions (default: continue with the brief)'),
  )
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .action(
      async (session: string | undefined, brief: string | undefined, _opts: unknown, command: Command) => {
        const opts = mergedOptions(command);
        const args = sessionArguments('spool media resume', session, brief, opts);
        if (args)
          await runWith(args.prompt, opts, {
            resume: { id: args.id, last: Boolean(opts.last), all: Boolean(opts.all) },
          });
      },
    );

  addMediaOptions(
    media
      .command('fork')
      .description(
        'continue a copy of a media session (same out folder, brand and budget, its spend counted; the original is unchanged)',
      )
      .argument('[session]', 'session id or a unique prefix of it (omit with --last)')
      .argument('[brief]', 'more instructions (default: continue with the brief)'),
  )
    .option('--last', 'the most recent session started in this directory')
    .option('--all', 'with --last: in any directory')
    .option('--at <turn>', 'keep the history through this turn (1-based; default: all turns)')
    .action(
      async (session: string | undefined, brief: string | undefined, _opts: unknown, command: Command) => {
        const opts = mergedOptions(command);
        const args = sessionArguments('spool media fork', session, brief, opts);
        if (!args) return;
        const at = opts.at === undefined ? undefined : Number(opts.at);
        if (at !== undefined && !(Number.isInteger(at) && at >= 1)) {
          process.stderr.write(
            `spool media fork: --at takes a turn number (1 or more), not ${String(opts.at)}\n`,
          );
          process.exitCode = 2;
          return;
        }
        await runWith(args.prompt, opts, {
          fork: {
            id: args.id,
            last: Boolean(opts.last),
            all: Boolean(opts.all),
            ...(at !== undefined ? { at } : {}),
          },
        });
      },
    );
}
