/**
 * `spool exec`: one non-interactive turn. The prompt comes from the argument or stdin; the final
 * assistant message goes to stdout (or, with `--json`, every event as a JSON line); progress goes
 * to stderr. Exit codes: 0 success, 1 turn failed, 2 usage error, 130 interrupted, 141 stdout or
 * stderr was closed (`| head`), 143 SIGTERM.
 *
 * Every run is recorded as a session (src/store/); `spool exec resume <id>|--last` continues one,
 * `spool exec fork <id>|--last` continues a copy of one.
 */
import fs from 'node:fs';
import type { Thread } from '../agent/thread.js';
import { ROOT_PATH } from '../agents/path.js';
import { AgentTree } from '../agents/tree.js';
import { spoolHome } from '../config/home.js';
import { ConfigError, exitForConfigError } from '../config/load.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadRuntime, type Runtime } from '../config/runtime.js';
import { findGitRoot } from '../context/project-docs.js';
import { attachGuardian } from '../guardian/attach.js';
import { prepareOutputSchema } from '../model/output-schema.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { ContentPart } from '../protocol/items.js';
import type { OutputSchema } from '../protocol/settings.js';
import { emptyUsage } from '../protocol/usage.js';
import { openThread } from '../session/open-thread.js';
import type { Session } from '../session/recorded.js';
import { builtinTools } from '../session/tools.js';
import { SessionNotFoundError, SessionStoreError, TurnOutOfRangeError } from '../store/errors.js';
import { findSession, type SessionRef } from '../store/find.js';
import { forkSession, type OpenedSession, openSession } from '../store/sessions.js';
import type { Telemetry } from '../telemetry/otel.js';
import { TelemetryConfigError } from '../telemetry/settings.js';
import { startTelemetry } from '../telemetry/start.js';
import type { ThreadObserver } from '../telemetry/thread-observer.js';
import { terminalSafe } from '../text/terminal-safe.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { attachMcpTools } from '../tools/mcp/attach.js';
import { guardOutputs, type TextOutput } from './closed-output.js';
import { reportTreeTotals } from './exec-agents.js';
import { TerminalApprovals, type TerminalInput } from './exec-approvals.js';
import { createHumanFormatter } from './exec-human.js';
import { ExecJsonProjector } from './exec-jsonl.js';
import { answerRequests, type RequestChannel } from './exec-requests.js';
import { exitCodeFor, stopOnSignals } from './exec-signals.js';
import { EXIT } from './exit-codes.js';
import { imageInput } from './image-input.js';
import { mcpStartupReports } from './mcp-startup-report.js';

export interface ExecOptions extends CliFlags {
  prompt?: string;
  json?: boolean;
  outputLastMessage?: string;
  skipGitRepoCheck?: boolean;
  outputSchemaFile?: string;
  /** `--compact`: compact the (resumed) session's history before the prompt; alone, only that. */
  compact?: boolean;
  /** `--image FILE` (repeatable): images attached to the prompt. */
  images?: string[];
  /** `exec resume`: the session to continue (an id or unique prefix, or the latest). */
  resume?: SessionChoice;
  /** `exec fork`: the session to copy (through turn `at`) and continue. */
  fork?: SessionChoice & { at?: number };
  /** Another kind of thread run through this machinery (`spool media`): its tools and instructions. */
  kind?: ExecThreadKind;
}

/**
 * A thread with its own tools and base instructions that is otherwise run exactly as `exec` runs
 * one (session, resume, approvals, `--json`, signals): `spool media`.
 */
export interface ExecThreadKind {
  /** The command's name for messages (`spool media`). */
  name: string;
  /** The runtime and tools for a new session or for the resumed one; throws `usageError`s. */
  prepare(runtime: Runtime, resumedId: string | undefined): PreparedThreadKind;
  /** Errors of `prepare` that are the user's (exit code 2, message shown). */
  isUsageError(err: unknown): err is Error;
}

export interface PreparedThreadKind {
  runtime: Runtime;
  tools: ThreadTools;
  /** The session is open: its id. */
  opened(sessionId: string): void;
  /** Before the turn: work left from an earlier run; returns a note put before the prompt. */
  beforeTurn(signal: AbortSignal): Promise<string | undefined>;
  /** Lines for stderr when the run ends. */
  finished(): string[];
}

interface SessionChoice {
  id?: string;
  last?: boolean;
  /** With `last`: in any directory, not only the working directory. */
  all?: boolean;
}

export interface ExecIo {
  stdin: TerminalInput;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** The run's view of its streams: outputs that go quiet once the reader has gone. */
interface RunIo {
  stdin: TerminalInput;
  stdout: TextOutput;
  stderr: TextOutput;
  env: NodeJS.ProcessEnv;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readPrompt(options: ExecOptions, io: RunIo): Promise<string | undefined> {
  if (options.prompt !== undefined && options.prompt !== '-') return options.prompt;
  if (options.prompt === undefined && io.stdin.isTTY) return undefined;
  return (await readAll(io.stdin)).replace(/\r?\n$/, '');
}

/** Reads `--output-schema` and prepares it for the API; what was changed, or why not, is in `notes`. */
function readOutputSchema(file: string): { outputSchema: OutputSchema; notes: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read --output-schema ${file}: ${(err as Error).message}`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`--output-schema ${file} is not JSON: ${(err as Error).message}`);
  }
  const plan = prepareOutputSchema(schema);
  if (!plan.ok) throw new ConfigError(`--output-schema ${file}: ${plan.error}`);
  return { outputSchema: plan.outputSchema, notes: plan.notes.map((note) => `--output-schema: ${note}`) };
}

/**
 * Locks and reads the session `exec resume` continues, or the copy `exec fork` makes; a message and
 * exit code when it cannot.
 */
async function openForContinuation(
  options: ExecOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ opened: OpenedSession; warnings: string[] } | { message: string; code: number }> {
  const choice = options.fork ?? options.resume ?? {};
  const ref: SessionRef =
    choice.last || choice.id === undefined
      ? { last: true as const, ...(choice.all ? {} : { cwd: options.cwd ?? process.cwd() }) }
      : { id: choice.id };
  try {
    const home = spoolHome(env);
    if (options.fork) {
      const at = options.fork.at;
      // A fork of a media session is a media session (same out folder, budget and brand), run by
      // `spool media fork`; refused before anything is copied when the command does not match.
      const { forkMediaSession, isMediaSession } = await import('../media/media-thread.js');
      const source = findSession(home, ref).id;
      const media = isMediaSession(home, source);
      if (media && !options.kind)
        return {
          message: `${source} is a media session; fork it with \`spool media fork ${source}\` (or continue it with \`spool media resume ${source}\`)`,
          code: EXIT.usage,
        };
      if (!media && options.kind)
        return {
          message: `${source} is not a media session; fork it with \`spool exec fork\``,
          code: EXIT.usage,
        };
      const fork = forkSession(home, { id: source }, at === undefined ? {} : { at });
      if (media) forkMediaSession(home, source, fork.id);
      return { opened: openSession(home, { id: fork.id }), warnings: fork.warnings };
    }
    return { opened: openSession(home, ref), warnings: [] };
  } catch (err) {
    if (err instanceof SessionNotFoundError || err instanceof TurnOutOfRangeError)
      return { message: err.message, code: EXIT.usage };
    return { message: (err as Error).message, code: EXIT.failed };
  }
}

/** How long a signalled exec may take to stop cleanly before it exits anyway. */
export async function runExec(
  options: ExecOptions,
  io: ExecIo,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  // A closed stdout or stderr (`spool exec … | head -1`) ends the run quietly; see closed-output.ts.
  const guarded = guardOutputs(io);
  try {
    const code = await runGuarded(options, { ...io, ...guarded.io }, signals, (listener) =>
      guarded.onClosed(listener),
    );
    return guarded.closed() ? EXIT.outputClosed : code;
  } finally {
    guarded.dispose();
  }
}

async function runGuarded(
  options: ExecOptions,
  io: RunIo,
  signals: NodeJS.EventEmitter,
  onOutputClosed: (listener: () => void) => void,
): Promise<number> {
  const say = (line: string) => io.stderr.write(`${terminalSafe(line)}\n`);
  if (options.compact && !options.resume && !options.fork) {
    // A new session has nothing to compact: say which command was meant instead of doing nothing.
    say(
      'spool exec: --compact compacts a recorded session; use `spool exec resume ID|--last --compact [PROMPT]`.',
    );
    return EXIT.usage;
  }
  let opened: OpenedSession | undefined;
  if (options.resume || options.fork) {
    const found = await openForContinuation(options, io.env);
    if ('message' in found) {
      say(`${options.kind?.name ?? 'spool exec'} ${options.fork ? 'fork' : 'resume'}: ${found.message}`);
      return found.code;
    }
    opened = found.opened;
    for (const warning of found.warnings) say(`warning: ${warning}`);
  }
  try {
    return await runOpened(options, io, signals, opened, onOutputClosed);
  } finally {
    // A resumed thread releases the lock when it closes; this covers the exits before it exists.
    opened?.release();
  }
}

async function runOpened(
  options: ExecOptions,
  io: RunIo,
  signals: NodeJS.EventEmitter,
  opened: OpenedSession | undefined,
  onOutputClosed: (listener: () => void) => void,
): Promise<number> {
  // Every line is made terminal-safe once more on its way out (its parts from commands or the
  // model already were): nothing printed here can drive the terminal.
  const say = (line: string) => io.stderr.write(`${terminalSafe(line)}\n`);
  let runtime: Runtime;
  let schemaNotes: string[] = [];
  try {
    const prepared = options.outputSchemaFile ? readOutputSchema(options.outputSchemaFile) : undefined;
    schemaNotes = prepared?.notes ?? [];
    const outputSchema = prepared?.outputSchema;
    // A resumed session keeps its directory and model unless the command line says otherwise.
    const recorded = opened ? (opened.read.lastContext ?? opened.read.meta) : undefined;
    const flags: CliFlags = {
      ...options,
      cwd: options.cwd ?? recorded?.cwd,
      model: options.model ?? recorded?.model,
      outputSchema,
    };
    runtime = loadRuntime(flags, io.env, { approvalPolicy: 'never' });
  } catch (err) {
    return exitForConfigError(err, io.stderr);
  }
  if (!fs.existsSync(runtime.settings.cwd) || !fs.statSync(runtime.settings.cwd).isDirectory()) {
    say(`spool: working directory ${runtime.settings.cwd} does not exist`);
    return EXIT.usage;
  }

  const given = await readPrompt(options, io);
  // `--compact` alone compacts the session and stops there.
  const compactOnly = Boolean(options.compact) && (given === undefined || given.trim() === '');
  const prompt = given ?? '';
  if (!compactOnly && prompt.trim() === '') {
    say(
      'spool exec: no prompt given. Pass it as an argument, or pipe it on stdin (use `-` to read stdin explicitly).',
    );
    return EXIT.usage;
  }
  for (const warning of [...runtime.warnings, ...schemaNotes]) say(`spool: warning: ${warning}`);
  const keyProblem = missingKeyMessage(runtime.provider);
  if (keyProblem) {
    say(`spool: ${keyProblem}`);
    return EXIT.failed;
  }
  let images: ContentPart[];
  try {
    images = (options.images ?? []).map((file) => imageInput(file, runtime.settings.cwd));
  } catch (err) {
    say(`spool: ${(err as Error).message}`);
    return EXIT.usage;
  }
  if (!options.skipGitRepoCheck && !findGitRoot(runtime.settings.cwd) && !options.json) {
    say(
      `spool: note: ${runtime.settings.cwd} is not inside a git repository; changes cannot be reviewed or undone with git.`,
    );
  }

  let telemetry: Telemetry | undefined;
  try {
    telemetry = await startTelemetry(runtime.config.otel, (message) => say(`warning: ${message}`));
  } catch (err) {
    if (!(err instanceof TelemetryConfigError)) throw err;
    say(`spool: ${err.message}`);
    return EXIT.usage;
  }

  if (opened && !options.kind) {
    // A media session goes on with its own tools and instructions, never the coding ones.
    const { isMediaSession } = await import('../media/media-thread.js');
    if (isMediaSession(runtime.home, opened.read.meta.id)) {
      say(
        `spool exec: ${opened.read.meta.id} is a media session; continue it with \`spool media resume ${opened.read.meta.id}\``,
      );
      return EXIT.usage;
    }
  }
  let kind: PreparedThreadKind | undefined;
  try {
    kind = options.kind?.prepare(runtime, opened?.read.meta.id);
  } catch (err) {
    if (!options.kind?.isUsageError(err)) throw err;
    say(`${options.kind.name}: ${err.message}`);
    return EXIT.usage;
  }
  if (kind) runtime = kind.runtime;
  // Sub-agents (src/agents/): the root's collaboration tools, and every child's events and
  // requests through the same channels as the root's.
  const childGuardians: Array<{ close(): Promise<void> }> = [];
  // Each agent's trace observer by path: a sub-agent's turns nest under its parent's running turn.
  const observers = new Map<string, ThreadObserver>();
  const tree = new AgentTree({
    runtime,
    env: io.env,
    onAgentOpened: (agent) => {
      const parentPath = agent.path.slice(0, agent.path.lastIndexOf('/'));
      const observer = telemetry?.observe(agent.thread, {
        provider: runtime.providerId,
        model: () => agent.thread.settings.model,
        sandboxMode: () => agent.thread.settings.sandbox.mode,
        approvalPolicy: () => agent.thread.settings.approvalPolicy,
        parent: () => observers.get(parentPath)?.turnContext,
      });
      if (observer) observers.set(agent.path, observer);
      const guardianOfChild = attachGuardian(agent.thread, runtime, { humanAttached: () => interactive });
      if (guardianOfChild) childGuardians.push(guardianOfChild);
      const answer = answerRequests(agent.thread, agent.path, channel);
      const formatChild = createHumanFormatter();
      agent.thread.subscribe((event) => {
        if (answer(event)) return;
        if (options.json) {
          for (const line of projector.projectAgent(agent.path, agent.thread.id, event))
            io.stdout.write(`${JSON.stringify(line)}\n`);
          if (event.type === 'warning') say(`warning: ${agent.path}: ${terminalSafe(event.message)}`);
        } else {
          const text = formatChild(event);
          if (text !== undefined) say(`[${agent.path}] ${text}`);
        }
      });
    },
  });
  for (const warning of tree.warnings) say(`spool: warning: ${warning}`);
  const tools = await attachMcpTools(
    kind ? kind.tools : builtinTools(runtime.settings, tree.toolsFor(ROOT_PATH)),
    {
      servers: runtime.config.mcp_servers,
      spoolHome: runtime.home,
      env: io.env,
      cwd: runtime.settings.cwd,
      sandbox: runtime.settings.sandbox,
      onWarning: (message) => say(`warning: ${message}`),
      ...mcpStartupReports(say),
    },
  );
  let session: Session;
  try {
    ({ session } = openThread(runtime, tools, opened ? { kind: 'resume', opened } : { kind: 'new' }));
  } catch (err) {
    await tools.close();
    if (!(err instanceof SessionStoreError)) throw err;
    say(`spool: cannot record the session: ${err.message}`);
    return EXIT.failed;
  }
  const { thread, recorder } = session;
  kind?.opened(thread.id);
  const rootObserver = telemetry?.observe(thread, {
    provider: runtime.providerId,
    model: () => thread.settings.model,
    sandboxMode: () => thread.settings.sandbox.mode,
    approvalPolicy: () => thread.settings.approvalPolicy,
  });
  rootObserver?.prompt(prompt);
  if (rootObserver) observers.set(ROOT_PATH, rootObserver);
  for (const warning of opened?.warnings ?? []) say(`warning: ${warning}`);
  // A turn stopped because its log could not be written fails with that reason.
  const storageFailure = (): SpoolEvent | undefined =>
    recorder.failure && {
      type: 'turn.failed',
      turn_id: '',
      usage: emptyUsage(),
      error: {
        message: `the session log could not be written, so the turn was stopped: ${recorder.failure.message}`,
      },
    };

  const projector = new ExecJsonProjector();
  const formatHuman = createHumanFormatter();
  // A person can answer only on a terminal, and only when stdin was not the prompt.
  const interactive =
    !options.json && io.stdin.isTTY === true && options.prompt !== undefined && options.prompt !== '-';
  // `approvals_reviewer = "auto_review"`: the guardian decides first; escalations reach a person
  // only on a terminal (else they are denials).
  const guardian = attachGuardian(thread, runtime, { humanAttached: () => interactive });
  const print = (event: SpoolEvent) => {
    if (options.json) {
      for (const line of projector.project(event)) io.stdout.write(`${JSON.stringify(line)}\n`);
      // What a person should see, on stderr: stdout carries only the event stream. A retry is not
      // an `error` event there (clients treat `error` as fatal).
      if (event.type === 'warning') say(`warning: ${terminalSafe(event.message)}`);
      if (event.type === 'stream.retrying') say(terminalSafe(event.message));
      if (event.type === 'turn.failed' && recorder.failure) say(`spool: ${event.error.message}`);
    } else {
      const text = formatHuman(event);
      if (text !== undefined) say(text);
    }
  };
  const approvals = interactive ? new TerminalApprovals(io.stdin, io.stderr) : undefined;
  const channel: RequestChannel = { approvals, interactive, stdin: io.stdin, stderr: io.stderr, say };
  const answerRoot = answerRequests(thread, undefined, channel);
  tree.attachRoot(thread);
  thread.subscribe((event: SpoolEvent) => {
    if (answerRoot(event)) return;
    print((event.type === 'turn.interrupted' && storageFailure()) || event);
  });
  // Nobody reads the output any more: stop the turn (its commands are killed, the log flushed).
  let outputClosed = false;
  onOutputClosed(() => {
    outputClosed = true;
    tree.interruptAll();
  });

  // Ctrl-C, or a job runner's SIGTERM: the turn stops cleanly, and the run exits 130 / 143.
  const stopper = stopOnSignals(signals, () => tree.interruptAll());
  try {
    thread.announce();
    if (options.compact) {
      const compacted = await thread.compact();
      if (!compacted) {
        say('spool: compaction failed; the history is unchanged');
        return EXIT.failed;
      }
      if (compactOnly) return EXIT.ok;
    }
    // The reader left before the turn began: nothing is started that nobody would see.
    if (outputClosed) return EXIT.outputClosed;
    // A resumed session brings its sub-agents back (those cut short go on with their task).
    if (opened) for (const warning of await tree.restore()) say(`spool: warning: ${warning}`);
    let outcome: Awaited<ReturnType<Thread['runTurn']>>;
    const stopping = new AbortController();
    const onStop = () => stopping.abort();
    signals.once('SIGINT', onStop);
    signals.once('SIGTERM', onStop);
    const note = await kind?.beforeTurn(stopping.signal);
    signals.off('SIGINT', onStop);
    signals.off('SIGTERM', onStop);
    const stopped = stopper.stoppedBy();
    if (stopped) return exitCodeFor(stopped);
    const text = note ? `${note}\n\n${prompt}` : prompt;
    try {
      outcome = await tree.runTurn(
        ROOT_PATH,
        images.length > 0 ? [{ type: 'input_text', text }, ...images] : text,
      );
      // Sub-agents still at work: their answers come back to the root, which goes on with them
      // (`[agents] resume_parent`); the run ends when the whole tree is done.
      await tree.settled();
      outcome = tree.rootOutcome ?? outcome;
    } catch (err) {
      // The log could not be written where the loop cannot go on (the loop throws it): the turn
      // stopped before anything unrecorded could run.
      const failed = storageFailure();
      if (!(err instanceof SessionStoreError) || !failed) throw err;
      print(failed);
      return EXIT.failed;
    }
    if (outcome.status === 'completed') {
      const message = outcome.finalMessage ?? '';
      // On a terminal the answer is made safe to show; into a pipe or file it goes as it is.
      const shown = io.stdout.isTTY ? terminalSafe(message) : message;
      if (!options.json) io.stdout.write(shown.endsWith('\n') || shown === '' ? shown : `${shown}\n`);
      if (options.outputLastMessage) fs.writeFileSync(options.outputLastMessage, message);
    }
    if (recorder.failure) {
      if (outcome.status === 'completed')
        say(`spool: the session log could not be written: ${recorder.failure.message}`);
      return EXIT.failed;
    }
    // Stopped by a signal while sub-agents were still at work (the root's turn had ended): the
    // run was interrupted all the same.
    const stoppedBy = stopper.stoppedBy();
    if (stoppedBy && outcome.status === 'completed') return exitCodeFor(stoppedBy);
    if (outcome.status === 'completed') return EXIT.ok;
    if (outcome.status === 'interrupted') return exitCodeFor(stoppedBy ?? 'SIGINT');
    return outcome.error.kind === 'budget_exceeded' ? EXIT.budget : EXIT.failed;
  } finally {
    stopper.dispose();
    approvals?.close();
    reportTreeTotals(tree, say);
    await tree.close();
    for (const childGuardian of childGuardians) await childGuardian.close();
    await guardian?.close();
    await thread.close();
    for (const line of kind?.finished() ?? []) say(line);
    // Flushed before exit, SIGTERM included (the signal ends the turn, then comes here).
    const problem = await telemetry?.shutdown();
    if (problem) say(`warning: ${problem}`);
  }
}
