/**
 * `spool sessions [--cwd DIR] [--json]`, `spool sessions show <id>|--last` and `spool fork <id>|--last`.
 * Exit codes: 0 success, 1 the store could not be read or written, 2 no such session / bad input.
 */

import path from 'node:path';
import { spoolHome } from '../config/home.js';
import { forkMediaSession } from '../media/media-thread.js';
import { formatUsd } from '../model/prices.js';
import {
  RolloutFormatError,
  SessionLockedError,
  SessionNotFoundError,
  SessionStoreError,
  TurnOutOfRangeError,
} from '../store/errors.js';
import { findSession, type SessionRef, sortByStart } from '../store/find.js';
import { listSessions, type SessionListing } from '../store/session-index.js';
import { forkSession } from '../store/sessions.js';
import { renderTranscript } from '../store/transcript.js';

interface SessionsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Runs `body`, turning the store's errors into a message and an exit code. */
function guarded(io: SessionsIo, command: string, body: () => void): number {
  try {
    body();
    return EXIT.ok;
  } catch (err) {
    const badInput = err instanceof SessionNotFoundError || err instanceof TurnOutOfRangeError;
    const storeFailure =
      err instanceof SessionStoreError ||
      err instanceof RolloutFormatError ||
      err instanceof SessionLockedError;
    if (!badInput && !storeFailure) throw err;
    io.stderr.write(`spool ${command}: ${err.message}\n`);
    return badInput ? EXIT.usage : EXIT.failed;
  }
}

function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function oneLine(text: string | undefined, max: number): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `$0.0123`; `unknown` when no request had a known price; `≥$0.01` when only some had. */
function sessionCost(s: SessionListing): string {
  const { usd, unpriced_requests } = s.cost;
  if (unpriced_requests === 0) return formatUsd(usd);
  return usd > 0 ? `≥${formatUsd(usd)}` : 'unknown';
}

/**
 * Sub-agent sessions under the session that spawned them (src/agents/), in spawn order; the rest
 * as given. A child whose parent is not listed stands on its own.
 */
function treeOrder(sessions: SessionListing[]): Array<{ session: SessionListing; depth: number }> {
  const ids = new Set(sessions.map((s) => s.id));
  const children = new Map<string, SessionListing[]>();
  for (const s of sessions) {
    const parent = s.spawned_from?.parent_thread_id;
    if (parent && ids.has(parent)) children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const ordered: Array<{ session: SessionListing; depth: number }> = [];
  const visit = (session: SessionListing, depth: number) => {
    ordered.push({ session, depth });
    const kids = [...(children.get(session.id) ?? [])].sort((a, b) =>
      a.started_at.localeCompare(b.started_at),
    );
    for (const kid of kids) visit(kid, depth + 1);
  };
  for (const s of sessions) {
    const parent = s.spawned_from?.parent_thread_id;
    if (!parent || !ids.has(parent)) visit(s, 0);
  }
  return ordered;
}

function table(sessions: SessionListing[]): string {
  const rows = treeOrder(sessions).map(({ session: s, depth }) => [
    depth > 0 ? `${'  '.repeat(depth - 1)}└ ${s.id}` : s.id,
    localTime(s.started_at),
    String(s.turns),
    compactNumber(s.tokens.input_tokens + s.tokens.output_tokens),
    sessionCost(s),
    s.cwd,
    s.spawned_from
      ? `${s.spawned_from.agent_path}: ${oneLine(s.first_prompt, 60)}`
      : oneLine(s.first_prompt, 60),
  ]);
  const header = ['ID', 'STARTED', 'TURNS', 'TOKENS', 'COST', 'DIRECTORY', 'FIRST PROMPT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(format).join('\n')}\n`;
}

interface ListOptions {
  cwd?: string;
  json?: boolean;
  /** Show at most this many (newest first). */
  limit?: number;
}

export function runSessionsList(options: ListOptions, io: SessionsIo): number {
  return guarded(io, 'sessions', () => {
    let sessions = sortByStart(listSessions(spoolHome(io.env)));
    if (options.cwd !== undefined) {
      const cwd = path.resolve(options.cwd);
      sessions = sessions.filter((s) => s.cwd === cwd);
    }
    if (options.limit !== undefined && options.limit > 0) {
      // The limit counts top-level sessions; each keeps its sub-agents.
      const kept = new Set(
        sessions
          .filter((s) => !s.spawned_from)
          .slice(0, options.limit)
          .map((s) => s.id),
      );
      const within = (s: SessionListing): boolean =>
        kept.has(s.id) ||
        (s.spawned_from !== undefined &&
          sessions.some((p) => p.id === s.spawned_from?.parent_thread_id && within(p)));
      sessions = sessions.filter(within);
    }
    if (options.json) {
      io.stdout.write(
        `[${sessions.map((s) => `\n${JSON.stringify(s)}`).join(',')}${sessions.length ? '\n' : ''}]\n`,
      );
    } else if (sessions.length === 0) {
      io.stderr.write('no sessions recorded yet\n');
    } else {
      io.stdout.write(table(sessions));
    }
  });
}

interface ShowOptions {
  id?: string;
  /** The most recent session (in the current directory, unless `all`). */
  last?: boolean;
  all?: boolean;
}

export function runSessionsShow(options: ShowOptions, io: SessionsIo): number {
  if (!options.last && options.id === undefined) {
    io.stderr.write('spool sessions show: give a session id (or a unique prefix), or --last\n');
    return EXIT.usage;
  }
  if (options.last && options.id !== undefined) {
    io.stderr.write('spool sessions show: give a session id or --last, not both\n');
    return EXIT.usage;
  }
  const ref: SessionRef = options.last
    ? { last: true, ...(options.all ? {} : { cwd: process.cwd() }) }
    : { id: options.id! };
  return guarded(io, 'sessions show', () => {
    const session = findSession(spoolHome(io.env), ref);
    io.stdout.write(renderTranscript(session.path));
  });
}

interface ForkOptions {
  id?: string;
  last?: boolean;
  /** With `--last`: any directory, not only the current one. */
  all?: boolean;
  at?: string;
  json?: boolean;
}

export function runFork(options: ForkOptions, io: SessionsIo): number {
  if (!options.last && options.id === undefined) {
    io.stderr.write('spool fork: give a session id (or a unique prefix), or --last\n');
    return EXIT.usage;
  }
  let at: number | undefined;
  if (options.at !== undefined) {
    at = Number(options.at);
    if (!Number.isInteger(at) || at < 1) {
      io.stderr.write(`spool fork: --at takes a turn number (1 or more), not ${options.at}\n`);
      return EXIT.usage;
    }
  }
  const ref: SessionRef = options.last
    ? { last: true, ...(options.all ? {} : { cwd: process.cwd() }) }
    : { id: options.id! };
  return guarded(io, 'fork', () => {
    const fork = forkSession(spoolHome(io.env), ref, at === undefined ? {} : { at });
    // A copy of a media session is one too (`spool media resume` continues it; docs/media.md).
    if (fork.meta.forked_from) forkMediaSession(spoolHome(io.env), fork.meta.forked_from.thread_id, fork.id);
    for (const warning of fork.warnings) io.stderr.write(`warning: ${warning}\n`);
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ id: fork.id, path: fork.path, forked_from: fork.meta.forked_from, turns: fork.turns })}\n`,
      );
    } else {
      io.stdout.write(`${fork.id}\n`);
    }
  });
}
