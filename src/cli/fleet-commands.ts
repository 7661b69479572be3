/**
 * `spool queue …` and `spool worker`: the fleet's commands (src/fleet/). Only their options are
 * declared here; each action imports its module when it runs, so no other command loads BullMQ.
 */
import { Argument, type Command, Option } from 'commander';
import { collect } from './options.js';

type Options = Record<string, unknown>;

function fleetOptions(command: Command): Command {
  return command
    .option('-p, --profile <name>', 'configuration profile from config.toml')
    .option('-c, --config <key=value>', 'override a configuration value (TOML value; repeatable)', collect)
    .option('--queue <name>', 'the queue (default: queue.name in config.toml, else "spool")');
}

async function run(action: (actions: typeof import('./queue-actions.js')) => Promise<number>): Promise<void> {
  const actions = await import('./queue-actions.js');
  process.exitCode = await action(actions);
}

function addQueueCommands(program: Command): void {
  const queue = program.command('queue').description('submit jobs to the fleet of workers and follow them');

  fleetOptions(
    queue
      .command('submit')
      .description('submit an exec or review job; prints the job id')
      .addArgument(new Argument('<kind>', 'exec or review').choices(['exec', 'review']))
      .argument('[prompt]', 'exec: the task (`-` or omitted: stdin); review: extra instructions'),
  )
    .requiredOption(
      '--repo <path-or-url>',
      'a local repository (absolute path seen by the workers) or a git URL',
    )
    .option('--ref <ref>', 'branch, tag or commit to work on', 'HEAD')
    .option('--base <branch>', 'review: the branch the change is compared against')
    .option('--id <key>', 'idempotency key: the same id submitted twice is one job')
    .option('--priority <n>', 'priority, 1 (highest) to 2097152; without it, first come first served')
    .option('--budget <usd>', 'spend cap for the job, in USD')
    .option('--json', 'print {"id", "created"} as JSON')
    .action((kind: string, prompt: string | undefined, opts: Options) =>
      run((a) => a.runSubmit(kind, prompt, opts)),
    );

  fleetOptions(queue.command('list').description('list jobs, newest first'))
    .addOption(
      new Option('--state <state>', 'only jobs in this state').choices([
        'active',
        'waiting',
        'prioritized',
        'delayed',
        'completed',
        'failed',
      ]),
    )
    .option('--limit <n>', 'show at most this many', '50')
    .option('--json', 'print as JSON')
    .action((opts: Options) => run((a) => a.runList(opts)));

  fleetOptions(
    queue.command('get').description("a job's state, attempts and result").argument('<id>', 'job id'),
  )
    .option('--json', 'print as JSON')
    .action((id: string, opts: Options) => run((a) => a.runGet(id, opts)));

  fleetOptions(
    queue.command('cancel').description('cancel a waiting or running job').argument('<id>', 'job id'),
  ).action((id: string, opts: Options) => run((a) => a.runCancel(id, opts)));

  fleetOptions(queue.command('results').description("a finished job's result").argument('<id>', 'job id'))
    .option('--json', 'print as JSON')
    .action((id: string, opts: Options) => run((a) => a.runResults(id, opts)));

  fleetOptions(queue.command('dashboard').description('serve the queue dashboard (Bull Board)'))
    .option('--host <host>', 'address to bind (anything but loopback needs a token)', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one)', '3030')
    .option('--token-file <file>', 'bearer token file (default: $SPOOL_DASHBOARD_TOKEN)')
    .option('--read-only', 'no retry/remove/promote buttons')
    .action((opts: Options) => run((a) => a.runDashboard(opts)));
}

function addWorkerCommands(program: Command): void {
  const worker = fleetOptions(
    program.command('worker').description("take jobs from the fleet's queue and run them"),
  )
    .option('--concurrency <n>', 'jobs run at once', '1')
    .action(async (opts: Options) => {
      const { runWorker } = await import('./worker-command.js');
      process.exitCode = await runWorker(opts);
    });
  worker
    .command('run-job', { hidden: true })
    .description('run one job for a worker (started by `spool worker` over IPC)')
    .action(async () => {
      const { runJobProcess } = await import('./worker-command.js');
      process.exitCode = await runJobProcess();
    });
}

export function addFleetCommands(program: Command): void {
  addQueueCommands(program);
  addWorkerCommands(program);
}
