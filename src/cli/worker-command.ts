/**
 * `spool worker`, and the job-runner process it starts per job (`spool worker run-job`, hidden:
 * it talks to its worker over the IPC channel only).
 */
import { ConfigError } from '../config/load.js';
import type { RunStart, StopReason } from '../fleet/job-runner.js';
import { FleetError } from '../fleet/queue.js';
import type { FromRunner, ToRunner } from '../fleet/worker.js';
import { settingsFrom } from './queue-actions.js';

type Options = Record<string, unknown>;

const say = (line: string) => process.stderr.write(`${line}\n`);

export async function runWorker(opts: Options): Promise<number> {
  const concurrency = Number(opts.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    say(`spool worker: --concurrency takes a whole number from 1 to 256, not ${String(opts.concurrency)}`);
    return 2;
  }
  const spoolBin = process.argv[1];
  if (!spoolBin) {
    say('spool worker: cannot tell which spool binary is running');
    return 1;
  }
  let worker: import('../fleet/worker.js').FleetWorker;
  try {
    const settings = settingsFrom(opts);
    const { connectRedis } = await import('../fleet/queue.js');
    (await connectRedis(settings)).disconnect();
    const { FleetWorker } = await import('../fleet/worker.js');
    const { spoolHome } = await import('../config/home.js');
    const stamp = () => new Date().toISOString();
    worker = new FleetWorker({
      settings,
      concurrency,
      flags: {
        ...(typeof opts.profile === 'string' ? { profile: opts.profile } : {}),
        config: (opts.config as string[] | undefined) ?? [],
      },
      env: process.env,
      spoolHome: spoolHome(process.env),
      spoolBin,
      log: (line) => say(`${stamp()} ${line}`),
    });
    await worker.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      say(`spool worker: ${err.message}`);
      return 2;
    }
    if (err instanceof FleetError) {
      say(`spool worker: ${err.message}`);
      return 1;
    }
    throw err;
  }
  // SIGTERM / Ctrl-C: no new jobs; running ones get the grace period. A second signal hands them back now.
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      say('spool worker: stopping (running jobs finish or are handed back; signal again to hand back now)');
      void worker.shutdown().then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}

/** The job-runner process: one `start`, then `stop` or the worker's disappearance. */
export async function runJobProcess(): Promise<number> {
  if (!process.send) {
    say('spool worker run-job: started by `spool worker` only (it needs the IPC channel)');
    return 2;
  }
  const send = (message: FromRunner) => {
    if (process.connected) process.send?.(message);
  };
  const start = await new Promise<RunStart | undefined>((resolve) => {
    process.once('message', (message: ToRunner) =>
      resolve(message.type === 'start' ? message.start : undefined),
    );
    process.once('disconnect', () => resolve(undefined));
  });
  if (!start) return 1;
  let stop: (reason: StopReason) => void = () => undefined;
  const stopped = new Promise<StopReason>((resolve) => {
    stop = resolve;
  });
  process.on('message', (message: ToRunner) => {
    if (message.type === 'stop') stop(message.reason);
  });
  // The worker died (kill -9, OOM): stop the session, checkpoint what it wrote, and go.
  process.on('disconnect', () => stop('worker-lost'));
  // Signals stop the session cleanly too (the worker's process group may be signalled as a whole).
  process.on('SIGTERM', () => stop('shutdown'));
  process.on('SIGINT', () => stop('shutdown'));
  const { runJob } = await import('../fleet/job-runner.js');
  const outcome = await runJob(start, {
    stop: stopped,
    onSession: (sessionId) => send({ type: 'session', sessionId }),
    log: (line) => send({ type: 'log', line }),
  });
  send({ type: 'outcome', outcome });
  if (process.connected) process.disconnect();
  return 0;
}
