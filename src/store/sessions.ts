/**
 * Sessions on disk: create a rollout, open one for resuming (locked), continue it, fork it.
 *
 * A rollout is written through its RolloutRecorder (rollout-writer.ts) while the session's lock is
 * held; `finish()` flushes the log, records the session in the index and releases the lock. Wiring a
 * Thread to a rollout is the session layer's job (src/session/).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SpawnOrigin } from '../protocol/collab.js';
import { uuidv7 } from '../protocol/ids.js';
import type { TurnContextRecord } from '../protocol/rollout.js';
import { FORMAT_VERSION, type SessionMeta } from '../protocol/rollout.js';
import { VERSION } from '../version.js';
import { AppendOnlyFile, syncDirectory } from './append-file.js';
import { storeError, TurnOutOfRangeError } from './errors.js';
import { findSession, type SessionRef } from './find.js';
import { serializeLine } from './format.js';
import { readGitInfo } from './git-info.js';
import { acquireSessionLock, type SessionLock } from './lock.js';
import { lockPathFor, rolloutPathFor } from './paths.js';
import { readRange } from './read-range.js';
import { type RolloutRead, readRollout } from './rollout-reader.js';
import { closingLines, RolloutRecorder } from './rollout-writer.js';
import { recordInIndex } from './session-index.js';
import { SummaryBuilder } from './summary.js';

export type { SessionRef } from './find.js';

/** A rollout being written, with the session's lock held until `finish()`. */
export interface RolloutHandle {
  id: string;
  /** The rollout file. */
  path: string;
  recorder: RolloutRecorder;
  /** Closes the log, records the session in the index (unless writing failed) and releases the lock. */
  finish(): void;
  /** Gives up on a rollout that was never used: closes it (a new one is removed) and releases the lock. */
  abandon(): void;
}

function finisher(home: string, recorder: RolloutRecorder, lock: SessionLock): () => void {
  return () => {
    try {
      recorder.close();
      const summary = recorder.summary.summary;
      if (summary && !recorder.failure) recordInIndex(home, recorder.path, summary, recorder.bytes);
    } finally {
      lock.release();
    }
  };
}

/** What the meta line of a new session records. */
interface NewRolloutOptions {
  home: string;
  cwd: string;
  model: string;
  /** The provider id (`openai`, `ollama`, …). */
  providerId: string;
  /** A sub-agent's session: where in its tree it was spawned. */
  spawnedFrom?: SpawnOrigin;
}

/** Creates a new session's rollout file (its meta line written) and locks it. */
export function createRollout(options: NewRolloutOptions): RolloutHandle {
  const id = uuidv7();
  const now = new Date();
  const file = rolloutPathFor(options.home, id, now);
  const git = readGitInfo(options.cwd);
  const meta: SessionMeta = {
    format_version: FORMAT_VERSION,
    id,
    timestamp: now.toISOString(),
    cwd: options.cwd,
    model: options.model,
    model_provider: options.providerId,
    spool_version: VERSION,
    ...(git ? { git } : {}),
    ...(options.spawnedFrom ? { spawned_from: options.spawnedFrom } : {}),
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (err) {
    throw storeError(`cannot create the session folder ${path.dirname(file)}`, err);
  }
  const lock = acquireSessionLock(lockPathFor(file), id);
  try {
    const log = AppendOnlyFile.create(file, serializeLine('session_meta', meta, now));
    const summary = new SummaryBuilder();
    summary.add('session_meta', meta);
    const recorder = new RolloutRecorder(log, summary);
    return {
      id,
      path: file,
      recorder,
      finish: finisher(options.home, recorder, lock),
      abandon: () => {
        // Nothing usable was recorded: leave no half session behind.
        log.close();
        fs.rmSync(file, { force: true });
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
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

/**
 * Reopens an opened session's rollout for appending. What the last process left open is closed
 * first (and written), so the history is exactly what that process would have sent next.
 */
export function continueRollout(opened: OpenedSession): RolloutHandle {
  const { read, lock, home } = opened;
  let log: AppendOnlyFile | undefined;
  try {
    log = AppendOnlyFile.reopen(read.path, read.completeBytes);
    const recorder = new RolloutRecorder(log, new SummaryBuilder(read.summary));
    recorder.writeLines(closingLines(read));
    const opened = log;
    return {
      id: read.meta.id,
      path: read.path,
      recorder,
      finish: finisher(home, recorder, lock),
      abandon: () => {
        opened.close();
        lock.release();
      },
    };
  } catch (err) {
    log?.close();
    lock.release();
    throw err;
  }
}

interface ForkResult {
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
