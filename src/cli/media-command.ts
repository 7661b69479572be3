/**
 * `spool media [BRIEF | -] [--brand FILE] [--budget USD] [--out DIR] [-m MODEL] [--json]` and
 * `spool media resume|fork ID|--last [BRIEF]`: one turn of the media agent (src/media/), run through
 * exec's machinery — the same session, approvals, `--json`, signals and exit codes — with the media
 * tools and instructions. The spend is reported on stderr at the end.
 */
import type { Runtime } from '../config/runtime.js';
import { MediaSetupError, prepareMediaThread } from '../media/media-thread.js';
import { type ExecIo, type ExecOptions, type ExecThreadKind, runExec } from './exec.js';

export interface MediaOptions extends ExecOptions {
  brand?: string;
  budget?: string;
  out?: string;
}

/** What a resumed media session is asked when no new brief is given. */
const CONTINUE_BRIEF = 'Continue with the brief.';

function mediaKind(options: MediaOptions, io: Pick<ExecIo, 'stderr'>): ExecThreadKind {
  const notify = (message: string) => io.stderr.write(`${message}\n`);
  return {
    name: 'spool media',
    isUsageError: (err): err is Error => err instanceof MediaSetupError,
    prepare: (runtime: Runtime, resumedId: string | undefined) => {
      const budget = options.budget === undefined ? undefined : Number(options.budget);
      if (options.budget !== undefined && (options.budget.trim() === '' || !Number.isFinite(budget)))
        throw new MediaSetupError(`--budget takes an amount in USD, not ${options.budget}`);
      const media = prepareMediaThread(
        runtime,
        {
          ...(options.out !== undefined ? { out: options.out } : {}),
          ...(budget !== undefined ? { budgetUsd: budget } : {}),
          ...(options.brand !== undefined ? { brand: options.brand } : {}),
          notify,
        },
        resumedId,
      );
      return {
        runtime: media.runtime,
        tools: media.tools,
        opened: (sessionId) => media.opened(sessionId),
        beforeTurn: (signal) => media.recover(signal),
        finished: () => [media.summary()],
      };
    },
  };
}

export async function runMedia(options: MediaOptions, io: ExecIo): Promise<number> {
  const prompt =
    options.prompt === undefined && (options.resume || options.fork) ? CONTINUE_BRIEF : options.prompt;
  return runExec(
    {
      ...options,
      ...(prompt !== undefined ? { prompt } : {}),
      skipGitRepoCheck: true,
      kind: mediaKind(options, io),
    },
    io,
  );
}
