/**
 * `spool [PROMPT]`, `spool resume` and `spool fork`: the interactive session in the terminal. The
 * UI is a client of an in-process app-server, like any other front end of the protocol.
 */
import fs from 'node:fs';
import { AppServer } from '../app-server/server.js';
import { spoolHome } from '../config/home.js';
import { exitForConfigError } from '../config/load.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadRuntime } from '../config/runtime.js';
import { SessionNotFoundError } from '../store/errors.js';
import { findSession, type SessionRef } from '../store/find.js';
import { VERSION } from '../version.js';
import { App, type OpenRequest } from './app/app.js';
import { nodeTerminal, type TerminalIo } from './terminal/terminal-io.js';

/** Which recorded session to open: an id (or unique prefix), or the latest (in this directory). */
export interface SessionChoice {
  id?: string;
  last?: boolean;
  /** With `last`: in any directory. */
  all?: boolean;
}

export interface InteractiveOptions extends CliFlags {
  /** A first prompt, sent at once. */
  prompt?: string;
  /** `spool resume`: continue a recorded session. */
  resume?: SessionChoice;
  /** `spool fork`: a new session from a recorded one's history, through turn `at` (1-based). */
  fork?: SessionChoice & { at?: number };
}

interface InteractiveIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** How long quitting waits for the session to shut down before giving the terminal back. */
const SHUTDOWN_WAIT_MS = 10_000;

function processIo(): InteractiveIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** The session `resume`/`fork` names, as an exact id. */
function resolveChoice(choice: SessionChoice, home: string, cwd: string): string {
  const ref: SessionRef =
    choice.last || choice.id === undefined
      ? { last: true, ...(choice.all ? {} : { cwd }) }
      : { id: choice.id };
  return findSession(home, ref).id;
}

/**
 * Runs the interactive session until the user quits; resolves with the exit code (0 quit, 1 the
 * session could not be opened, 2 usage or configuration error). `terminal` replaces the process's
 * terminal (tests).
 */
export async function runInteractive(
  options: InteractiveOptions,
  io: InteractiveIo = processIo(),
  terminal?: TerminalIo,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const say = (line: string) => io.stderr.write(`spool: ${line}\n`);
  if (!terminal && (!io.stdin.isTTY || !io.stdout.isTTY)) {
    say('the interactive session needs a terminal on stdin and stdout; for scripts use `spool exec`.');
    return EXIT.usage;
  }
  const { prompt, resume, fork, ...flags } = options;
  const home = spoolHome(io.env);
  const cwd = flags.cwd ?? process.cwd();
  // Configuration problems are reported before the terminal is taken over.
  try {
    const runtime = loadRuntime(flags, io.env, { approvalPolicy: 'on-request' });
    for (const warning of runtime.warnings) say(`warning: ${warning}`);
    const dir = runtime.settings.cwd;
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      say(`working directory ${dir} does not exist`);
      return EXIT.usage;
    }
    const missingKey = missingKeyMessage(runtime.provider);
    if (missingKey) {
      say(missingKey);
      return EXIT.failed;
    }
  } catch (err) {
    return exitForConfigError(err, io.stderr);
  }
  let open: OpenRequest = { kind: 'new' };
  try {
    if (resume) open = { kind: 'resume', id: resolveChoice(resume, home, cwd) };
    else if (fork)
      open = {
        kind: 'fork',
        id: resolveChoice(fork, home, cwd),
        ...(fork.at !== undefined ? { at: fork.at } : {}),
      };
  } catch (err) {
    if (err instanceof SessionNotFoundError) {
      say(`${resume ? 'resume' : 'fork'}: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }

  const server = new AppServer({ env: io.env, flags });
  const app = new App({
    io: terminal ?? nodeTerminal(io.stdin, io.stdout, process.stderr),
    server,
    home,
    version: VERSION,
    open,
    ...(prompt !== undefined ? { prompt } : {}),
    ...(flags.plan ? { plan: true } : {}),
  });
  const onSignal = () => app.quit();
  signals.on('SIGTERM', onSignal);
  signals.on('SIGHUP', onSignal);
  try {
    return await app.run();
  } finally {
    // Threads first, while their connections are open: `AppServer.close` does not wait for the
    // threads its closing connections unload (see docs/tui.md). Turns are interrupted, their
    // commands killed, logs flushed; a tool that will not stop does not keep the terminal.
    const shutdown = (async () => {
      await server.threads.closeAll();
      await server.close();
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([shutdown, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    app.restoreTerminal();
    signals.off('SIGTERM', onSignal);
    signals.off('SIGHUP', onSignal);
  }
}
