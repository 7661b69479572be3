/**
 * Sessions as a library: start a recorded thread, resume one, fork one.
 *
 * A session is a Thread wired to its rollout file (rollout-writer.ts) and holding the session's
 * lock for as long as the thread is open; `thread.close()` flushes the log, records the session in
 * the index and releases the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { uuidv7 } from '../agent/ids.js';
import type { TurnContextRecord } from '../agent/recorder.js';
import type { ThreadSettings } from '../agent/settings.js';
import { Thread, type ThreadOptions } from '../agent/thread.js';
import { VERSION } from '../cli/version.js';
import type { ModelClient } from '../model/types.js';
import type { ToolRegistry } from '../tools/registry.js';
import { AppendOnlyFile, syncDirectory } from './append-file.js';
import { storeError, TurnOutOfRangeError } from './errors.js';
import { findSession, type SessionRef } from './find.js';
import { FORMAT_VERSION, type SessionMeta, serializeLine } from './format.js';
import { readGitInfo } from './git-info.js';
import { acquireSessionLock, type SessionLock } from './lock.js';
import { lockPathFor, rolloutPathFor } from './paths.js';
import { readRange } from './read-range.js';
import { type RolloutRead, readRollout } from './rollout-reader.js';
import { closingLines, RolloutRecorder } from './rollout-writer.js';
import { recordInIndex } from './session-index.js';
import { SummaryBuilder } from './summary.js';

export type { SessionRef } from './find.js';

/** What a thread runs with (as for `new Thread`). */
export interface ThreadRuntime {
  client: ModelClient;
  settings: ThreadSettings;
  tools: ToolRegistry;
  /** Tool set changes (MCP) taken at turn boundaries, see ThreadOptions. */
  toolUpdates?: ThreadOptions['toolUpdates'];
  /** Released when the thread closes, before the log is closed. */
  onClose?: () => Promise<void>;
}

export interface Session {
  thread: Thread;
  recorder: RolloutRecorder;
  /** The rollout file. */
  path: string;
}

export interface StartSessionOptions extends ThreadRuntime {
  home: string;
  /** The provider id recorded in the meta line (`openai`, `ollama`, …). */
  providerId: string;
}

/** Wires `recorder` and `lock` to a new Thread: failures stop the turn, closing releases both. */
function wire(
  home: string,
  runtime: ThreadRuntime,
  recorder: RolloutRecorder,
  lock: SessionLock,
  thread: (onClose: () => Promise<void>) => Thread,
): Thread {
  const onClose = async () => {
    try {
      await runtime.onClose?.();
    } finally {
      recorder.close();
      const summary = recorder.summary.summary;
      if (summary && !recorder.failure) recordInIndex(home, recorder.path, summary, recorder.bytes);
      lock.release();
    }
  };
  const built = thread(onClose);
  recorder.onFailure = () => built.interrupt();
  return built;
}

/** Starts a new thread whose every step is recorded in a new rollout file. */
export function startSession(options: StartSessionOptions): Session {
  const id = uuidv7();
  const now = new Date();
  const file = rolloutPathFor(options.home, id, now);
  const s = options.settings;
  const git = readGitInfo(s.cwd);
  const meta: SessionMeta = {
    format_version: FORMAT_VERSION,
    id,
    timestamp: now.toISOString(),
    cwd: s.cwd,
    model: s.model,
    model_provider: options.providerId,
    spool_version: VERSION,
    ...(git ? { git } : {}),
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (err) {
    throw storeError(`cannot create the session folder ${path.dirname(file)}`, err);
  }
  const lock = acquireSessionLock(lockPathFor(file), id);
  let log: AppendOnlyFile | undefined;
  try {
    log = AppendOnlyFile.create(file, serializeLine('session_meta', meta, now));
    const summary = new SummaryBuilder();
    summary.add('session_meta', meta);
    const recorder = new RolloutRecorder(log, summary);
    const thread = wire(
      options.home,
      options,
      recorder,
      lock,
      (onClose) => new Thread({ ...threadOptions(options), id, recorder, onClose }),
    );
    if (thread.contextSnapshot) recorder.initialContext(thread.contextSnapshot);
    return { thread, recorder, path: file };
  } catch (err) {
    // Nothing usable was recorded (the initial context did not fit): leave no half session behind.
    log?.close();
    if (log) fs.rmSync(file, { force: true });
    lock.release();
    throw err;
  }
}

function threadOptions(runtime: ThreadRuntime) {
  return {
    client: runtime.client,
    settings: runtime.settings,
    tools: runtime.tools,
    ...(runtime.toolUpdates ? { toolUpdates: runtime.toolUpdates } : {}),
  };
}

/** A session read for resuming, with its lock held until it is resumed or released. */
export interface OpenedSession {
  read: RolloutRead;
  /** The last turn's context (what changed since is announced on the next turn). */
  lastTurnContext: TurnContextRecord | undefined;
  /** Problems found while reading (a torn last line), for the user. */
  warnings: string[];
  /** Releases the lock without resuming. */
  release(): void;
  readonly home: string;
  readonly lock: SessionLock;
}

/**
 * Locks and reads a session. Throws SessionNotFoundError, SessionLockedError (another live process
 * has it), RolloutFormatError or SessionStoreError.
 */
export function openSession(home: string, ref: SessionRef): OpenedSession {
  const found = findSession(home, ref);
  const lock = acquireSessionLock(lockPathFor(found.path), found.id);
  try {
    const read = readRollout(found.path);
    return {
      read,
      lastTurnContext: read.lastTurnContext,
      warnings: read.warnings,
      release: () => lock.release(),
      home,
      lock,
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export interface ResumedSession extends Session {
  lastTurnContext: TurnContextRecord | undefined;
  warnings: string[];
}

/**
 * A ready Thread continuing an opened session, appending to the same rollout. What the last process
 * left open is closed first (and written), so the history is exactly what that process would have
 * sent next.
 */
export function resumeThread(opened: OpenedSession, runtime: ThreadRuntime): ResumedSession {
  const { read, lock, home } = opened;
  let log: AppendOnlyFile | undefined;
  try {
    log = AppendOnlyFile.reopen(read.path, read.completeBytes);
    const recorder = new RolloutRecorder(log, new SummaryBuilder(read.summary));
    recorder.writeLines(closingLines(read));
    const thread = wire(
      home,
      runtime,
      recorder,
      lock,
      (onClose) =>
        new Thread({
          ...threadOptions(runtime),
          id: read.meta.id,
          history: read.history,
          ...(read.lastContext ? { contextSnapshot: read.lastContext } : {}),
          recorder,
          onClose,
        }),
    );
    if (read.history.length === 0 && thread.contextSnapshot) recorder.initialContext(thread.contextSnapshot);
    return {
      thread,
      recorder,
      path: read.path,
      lastTurnContext: read.lastTurnContext,
      warnings: read.warnings,
    };
  } catch (err) {
    log?.close();
    lock.release();
    throw err;
  }
}

/** Opens and resumes in one call. */
export function resumeSession(
  options: ThreadRuntime & { home: string; session: SessionRef },
): ResumedSession {
  return resumeThread(openSession(options.home, options.session), options);
}

export interface ForkResult {
  id: string;
  path: string;
  meta: SessionMeta;
  /** Turns the fork holds. */
  turns: number;
  warnings: string[];
}

/**
 * A new session whose history is the original's through turn `at` (1-based; default: all turns).
 * The original file is only read; the fork's meta line names its parent and the turn.
 */
export function forkSession(home: string, ref: SessionRef, options: { at?: number } = {}): ForkResult {
  const found = findSession(home, ref);
  if (options.at !== undefined && (!Number.isInteger(options.at) || options.at < 1))
    throw new TurnOutOfRangeError(`the fork point must be a turn number (1 or more), not ${options.at}`);
  const read = readRollout(found.path, options.at === undefined ? {} : { throughTurn: options.at });
  if (options.at !== undefined && read.turns < options.at)
    throw new TurnOutOfRangeError(
      `session ${found.id} has ${read.turns} turn(s); cannot fork at turn ${options.at}`,
    );

  const id = uuidv7();
  const now = new Date();
  const file = rolloutPathFor(home, id, now);
  const meta: SessionMeta = {
    ...read.meta,
    format_version: FORMAT_VERSION,
    id,
    timestamp: now.toISOString(),
    spool_version: VERSION,
    forked_from: { thread_id: read.meta.id, turn: read.turns },
  };
  const closing = closingLines(read).map(([type, payload]) => serializeLine(type, payload, now));
  const data = Buffer.concat([
    Buffer.from(serializeLine('session_meta', meta, now)),
    readRange(found.path, read.metaBytes, read.endOffset),
    Buffer.from(closing.join('')),
  ]);
  // Written whole under a temporary name, then renamed: a fork appears complete or not at all.
  const temp = `${file}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, data);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
    syncDirectory(path.dirname(file));
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw storeError(`cannot write the fork ${file}`, err);
  }
  return { id, path: file, meta, turns: read.turns, warnings: read.warnings };
}
