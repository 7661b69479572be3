/** The actions of `spool queue …` (registered in fleet-commands.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.js';
import { loadEffectiveConfig } from '../config/runtime.js';
import { SpoolConfig } from '../config/schema.js';
import type { JobData, JobResult } from '../fleet/job.js';
import { connectRedis, FleetError, FleetQueue, type JobSummary, openQueue } from '../fleet/queue.js';
import { type QueueSettings, queueSettings } from '../fleet/settings.js';
import { isGitUrl } from '../fleet/workspace.js';

type Options = Record<string, unknown>;

const say = (line: string) => process.stderr.write(`${line}\n`);
const print = (line: string) => process.stdout.write(`${line}\n`);

class UsageError extends Error {}

/** The queue settings from the configuration layers, `--queue` last. */
export function settingsFrom(opts: Options, env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const effective = loadEffectiveConfig(
    { profile: opts.profile as string | undefined, config: (opts.config as string[] | undefined) ?? [] },
    env,
  );
  const settings = queueSettings(effective, env);
  if (typeof opts.queue === 'string') {
    if (!/^[A-Za-z0-9_.-]+$/.test(opts.queue))
      throw new UsageError(`--queue ${opts.queue}: use letters, digits, '_', '.' or '-'`);
    settings.name = opts.queue;
  }
  return settings;
}

/** Runs an action with the queue open; maps errors to messages and exit codes. */
async function withQueue(opts: Options, action: (queue: FleetQueue) => Promise<number>): Promise<number> {
  let queue: FleetQueue | undefined;
  try {
    queue = await FleetQueue.open(settingsFrom(opts));
    return await action(queue);
  } catch (err) {
    return reportError(err);
  } finally {
    await queue?.close();
  }
}

function reportError(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) {
    say(`spool queue: ${err.message}`);
    return 2;
  }
  if (err instanceof FleetError) {
    say(`spool queue: ${err.message}`);
    return 1;
  }
  throw err;
}

function readStdin(): string {
  return fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

function positiveNumber(
  name: string,
  value: unknown,
  integer: boolean,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)) || n > max)
    throw new UsageError(
      `${name} takes ${integer ? 'a whole number' : 'a number'} from ${integer ? 1 : '0.01'} to ${max}, not ${String(value)}`,
    );
  return n;
}

/** The job a `submit` describes, checked before anything is sent. */
function jobFromOptions(
  kind: string,
  prompt: string | undefined,
  opts: Options,
  stdin: () => string,
): JobData {
  const repoArg = String(opts.repo);
  const repo = isGitUrl(repoArg) ? repoArg : path.resolve(repoArg);
  if (!isGitUrl(repoArg) && !fs.existsSync(repo))
    throw new UsageError(`--repo ${repoArg}: no such directory`);
  let text = prompt;
  if (kind === 'exec' && (text === undefined || text === '-')) text = stdin();
  if (kind === 'exec' && (text === undefined || text.trim() === ''))
    throw new UsageError('an exec job needs a prompt (as an argument, or on stdin with `-`)');
  if (kind === 'exec' && opts.base !== undefined) throw new UsageError('--base is for review jobs');
  let budget: number | undefined;
  if (opts.budget !== undefined) {
    budget = positiveNumber('--budget', opts.budget, false);
    // The cap is the session's budget setting; a Spool without budgets would silently ignore it.
    if (!('max_cost_usd' in SpoolConfig.shape))
      throw new UsageError(
        '--budget needs session budgets (the max_cost_usd setting), which this Spool does not have yet',
      );
  }
  return {
    kind: kind as JobData['kind'],
    repo,
    ref: String(opts.ref ?? 'HEAD'),
    ...(text !== undefined && text !== '' ? { prompt: text } : {}),
    ...(typeof opts.base === 'string' ? { base: opts.base } : {}),
    config: (opts.config as string[] | undefined) ?? [],
    ...(budget !== undefined ? { budget_usd: budget } : {}),
    submitted_at: new Date().toISOString(),
  };
}

/** @public called by fleet-commands.ts through a dynamic import (knip cannot follow it). */
export async function runSubmit(kind: string, prompt: string | undefined, opts: Options): Promise<number> {
  let data: JobData;
  let priority: number | undefined;
  try {
    data = jobFromOptions(kind, prompt, opts, readStdin);
    priority =
      opts.priority === undefined ? undefined : positiveNumber('--priority', opts.priority, true, 2_097_152);
  } catch (err) {
    return reportError(err);
  }
  return withQueue(opts, async (queue) => {
    const submitted = await queue.submit(data, {
      ...(typeof opts.id === 'string' ? { id: opts.id } : {}),
      ...(priority !== undefined ? { priority } : {}),
    });
    if (!submitted.created) say(`spool queue: job ${submitted.id} exists already; not submitted again`);
    print(opts.json ? JSON.stringify(submitted) : submitted.id);
    return 0;
  });
}

function shortAge(iso: string | null): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** @public called by fleet-commands.ts through a dynamic import (knip cannot follow it). */
export async function runList(opts: Options): Promise<number> {
  let limit: number;
  try {
    limit = positiveNumber('--limit', opts.limit ?? 50, true);
  } catch (err) {
    return reportError(err);
  }
  return withQueue(opts, async (queue) => {
    const jobs = await queue.list(opts.state ? [opts.state as 'active'] : undefined, limit);
    if (opts.json) {
      print(JSON.stringify(jobs, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      say('no jobs');
      return 0;
    }
    const rows = jobs.map((job) => [
      job.id,
      job.state,
      job.kind,
      `${job.attempts_made}/${job.attempts}`,
      `${job.repo}@${job.ref}`,
      shortAge(job.submitted_at),
    ]);
    print(table([['ID', 'STATE', 'KIND', 'FAILS', 'REPO@REF', 'AGE'], ...rows]));
    return 0;
  });
}

function describeResult(result: JobResult): string[] {
  const usage = result.usage;
  return [
    `status:    ${result.status}${result.error ? ` (${result.error})` : ''}`,
    `session:   ${result.session_id ?? '-'}`,
    `runs:      ${result.runs} (${result.resumed_runs} resumed)`,
    `worker:    ${result.worker || '-'}`,
    `tokens:    ${usage.input_tokens} in (${usage.cached_input_tokens} cached), ${usage.output_tokens} out`,
    `cost:      ${result.cost_usd === null ? 'unknown' : `$${result.cost_usd.toFixed(4)}`}`,
    `finished:  ${result.finished_at}`,
    ...(result.final_message !== null ? ['', result.final_message] : []),
  ];
}

function describeJob(job: JobSummary): string[] {
  return [
    `job:       ${job.id} (${job.kind})`,
    `state:     ${job.state}`,
    `repo:      ${job.repo}@${job.ref}`,
    `attempts:  ${job.attempts_made} failed of ${job.attempts}`,
    ...(job.failed_reason ? [`reason:    ${job.failed_reason}`] : []),
    ...(job.session_id ? [`session:   ${job.session_id}${job.worker ? ` on ${job.worker}` : ''}`] : []),
    `submitted: ${job.submitted_at ?? '-'}`,
  ];
}

/** @public called by fleet-commands.ts through a dynamic import (knip cannot follow it). */
export async function runGet(id: string, opts: Options): Promise<number> {
  return withQueue(opts, async (queue) => {
    const job = await queue.get(id);
    const result = job?.result ?? (await queue.result(id));
    if (!job && !result) {
      say(`spool queue: no job ${id}`);
      return 1;
    }
    if (opts.json) {
      print(JSON.stringify(job ?? { id, state: result?.status, result }, null, 2));
      return 0;
    }
    const lines = job ? describeJob(job) : [`job:       ${id}`];
    if (result) lines.push('', ...describeResult(result));
    print(lines.join('\n'));
    return 0;
  });
}

/** @public called by fleet-commands.ts through a dynamic import (knip cannot follow it). */
export async function runResults(id: string, opts: Options): Promise<number> {
  return withQueue(opts, async (queue) => {
    const result = await queue.result(id);
    if (!result) {
      const job = await queue.get(id);
      say(
        job ? `spool queue: job ${id} has no result yet (state: ${job.state})` : `spool queue: no job ${id}`,
      );
      return 1;
    }
    print(opts.json ? JSON.stringify(result, null, 2) : describeResult(result).join('\n'));
    return 0;
  });
}

/** @public called by fleet-commands.ts through a dynamic import (knip cannot follow it). */
export async function runCancel(id: string, opts: Options): Promise<number> {
  return withQueue(opts, async (queue) => {
    const outcome = await queue.cancel(id);
    const messages = {
      removed: `job ${id} cancelled`,
      requested: `job ${id} is running: its worker stops it and records it as cancelled`,
      finished: `job ${id} has finished already; nothing to cancel`,
      unknown: `no job ${id}`,
    };
    (outcome === 'removed' || outcome === 'requested' ? print : say)(
      outcome === 'removed' || outcome === 'requested'
        ? messages[outcome]
        : `spool queue: ${messages[outcome]}`,
    );
    return outcome === 'removed' || outcome === 'requested' ? 0 : 1;
  });
}

/** @public called by fleet-commands.ts through a dynamic import (knip cannot follow it). */
export async function runDashboard(opts: Options): Promise<number> {
  try {
    const settings = settingsFrom(opts);
    const port = Number(opts.port ?? 3030);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`--port ${String(opts.port)}: not a port`);
    let token = process.env.SPOOL_DASHBOARD_TOKEN?.trim() || undefined;
    if (typeof opts.tokenFile === 'string') {
      try {
        token = fs.readFileSync(opts.tokenFile, 'utf8').trim();
      } catch (err) {
        throw new UsageError(`--token-file ${opts.tokenFile}: ${(err as Error).message}`);
      }
      if (!token) throw new UsageError(`--token-file ${opts.tokenFile} is empty`);
    }
    const host = String(opts.host ?? '127.0.0.1');
    const { isLoopbackHost, startDashboard } = await import('../fleet/dashboard.js');
    if (!token && !isLoopbackHost(host))
      throw new FleetError(
        `refusing to serve the dashboard on ${host} without a token: set SPOOL_DASHBOARD_TOKEN or pass --token-file (or bind to 127.0.0.1)`,
      );
    (await connectRedis(settings)).disconnect();
    const queue = openQueue(settings);
    let dashboard: Awaited<ReturnType<typeof startDashboard>>;
    try {
      dashboard = await startDashboard({
        queue,
        host,
        port,
        ...(token ? { token } : {}),
        readOnly: Boolean(opts.readOnly),
      });
    } catch (err) {
      await queue.close();
      throw err;
    }
    say(`spool queue dashboard: ${dashboard.url} (queue ${settings.prefix}:${settings.name}; Ctrl-C stops)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
    await queue.close();
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
