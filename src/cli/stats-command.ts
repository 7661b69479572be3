/** `spool stats [--since 7d] [--by model|repo|day] [--json] [--html FILE]`. */
import fs from 'node:fs';
import { spoolHome } from '../config/home.js';
import { listSessions } from '../store/session-index.js';
import { computeStats, parseSince, type StatsGrouping } from '../telemetry/stats.js';
import { statsHtml, statsText } from '../telemetry/stats-render.js';

export interface StatsOptions {
  since?: string;
  by?: string;
  json?: boolean;
  html?: string;
}

export interface StatsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const GROUPINGS: readonly StatsGrouping[] = ['model', 'repo', 'day'];

export function runStats(options: StatsOptions, io: StatsIo, now = new Date()): number {
  const since = options.since === undefined ? undefined : parseSince(options.since, now);
  if (options.since !== undefined && !since) {
    io.stderr.write(
      `spool stats: --since ${options.since}: expected a duration such as 7d, 24h or 30m, or a date (2026-01-31)\n`,
    );
    return 2;
  }
  if (options.by !== undefined && !GROUPINGS.includes(options.by as StatsGrouping)) {
    io.stderr.write(`spool stats: --by ${options.by}: expected one of ${GROUPINGS.join(', ')}\n`);
    return 2;
  }
  const report = computeStats(listSessions(spoolHome(io.env)), {
    ...(since ? { since } : {}),
    ...(options.by ? { by: options.by as StatsGrouping } : {}),
  });
  if (options.html) {
    try {
      fs.writeFileSync(options.html, statsHtml(report));
    } catch (err) {
      io.stderr.write(`spool stats: cannot write ${options.html}: ${(err as Error).message}\n`);
      return 1;
    }
    io.stderr.write(`spool stats: wrote ${options.html}\n`);
  }
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!options.html) io.stdout.write(statsText(report));
  return 0;
}
