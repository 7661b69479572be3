/**
 * Recorded threads (src/store/ rollouts) for the thread methods: finding, listing with Codex's
 * filters and cursors, reading turns back, and archiving.
 *
 * Archiving is not in the store yet: an archived rollout is moved, with its date folders, from
 * `$SPOOL_HOME/sessions/` to `$SPOOL_HOME/archived_sessions/` (as Codex does), where the session
 * list no longer sees it. Archived threads are listed by scanning that folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectErrno, expectSyntaxError, expectSystemError, UNREADABLE } from '../protocol/errors.js';
import { RolloutLineRecord, type SessionMeta, SessionMetaHead } from '../protocol/rollout.js';
import { acquireSessionLock } from '../store/lock.js';
import { lockPathFor, sessionsDir } from '../store/paths.js';
import { type RolloutRead, readRollout } from '../store/rollout-reader.js';
import { listSessions, type SessionListing } from '../store/session-index.js';
import { SummaryBuilder, scanLines } from '../store/summary.js';
import { VERSION } from '../version.js';
import { invalidParams } from './jsonrpc.js';
import type { ThreadListParams } from './params.js';
import { RecordedTurnItems } from './v2-items.js';
import { seconds, type ThreadInfo, turnError, type V2Turn } from './v2-shapes.js';

export interface StoredThread {
  listing: SessionListing;
  archived: boolean;
}

function archivedDir(home: string): string {
  return path.join(home, 'archived_sessions');
}

function rolloutFilesUnder(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return rolloutFilesUnder(full);
    return /^rollout-.*\.jsonl$/.test(entry.name) ? [full] : [];
  });
}

/** Archived sessions, summarised by scanning each file (archives are read rarely). */
function listArchived(home: string): SessionListing[] {
  return rolloutFilesUnder(archivedDir(home)).flatMap((file) => {
    try {
      const builder = new SummaryBuilder();
      scanLines(fs.readFileSync(file, 'utf8'), builder);
      const summary = builder.summary;
      if (!summary) return [];
      return [{ ...summary, path: file, updated_at: fs.statSync(file).mtime.toISOString() }];
    } catch (err) {
      expectSystemError(err);
      return [];
    }
  });
}

/** A recorded thread by its exact id, archived or not. */
export function findStoredThread(home: string, id: string): StoredThread | undefined {
  const live = listSessions(home).find((s) => s.id === id);
  if (live) return { listing: live, archived: false };
  const archived = listArchived(home).find((s) => s.id === id);
  return archived ? { listing: archived, archived: true } : undefined;
}

/** The meta line of a rollout (its first line), without reading the rest. */
export function readSessionMeta(file: string): SessionMeta | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(64 * 1024);
    const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, length).toString('utf8');
    const line = RolloutLineRecord.safeParse(JSON.parse(text.slice(0, text.indexOf('\n'))));
    if (!line.success || line.data.type !== 'session_meta') return undefined;
    return SessionMetaHead.safeParse(line.data.payload).success
      ? (line.data.payload as SessionMeta)
      : undefined;
  } catch (err) {
    if (!(err instanceof SyntaxError)) expectSystemError(err);
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function storedThreadInfo(listing: SessionListing, git?: ThreadInfo['git']): ThreadInfo {
  return {
    id: listing.id,
    createdAt: seconds(Date.parse(listing.started_at)),
    updatedAt: seconds(Date.parse(listing.updated_at)),
    cwd: listing.cwd,
    model: listing.model,
    modelProvider: listing.model_provider,
    preview: listing.first_prompt ?? '',
    path: listing.path,
    ephemeral: false,
    forkedFromId: listing.forked_from?.thread_id ?? null,
    git,
    cliVersion: VERSION,
    source: 'unknown',
    reasoningEffort: null,
    ...(listing.spawned_from ? { spawnedFrom: listing.spawned_from } : {}),
  };
}

type SortKey = 'created_at' | 'updated_at';

function sortValue(listing: SessionListing, key: SortKey): string {
  return key === 'updated_at' ? listing.updated_at : listing.started_at;
}

function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((v) => typeof v === 'string'))
      return decoded as [string, string];
  } catch (err) {
    expectSyntaxError(err);
    // Reported below.
  }
  throw invalidParams(
    `invalid cursor ${JSON.stringify(cursor)} (pass a nextCursor from an earlier thread/list)`,
  );
}

interface ListedPage {
  data: SessionListing[];
  nextCursor: string | null;
}

const DEFAULT_PAGE = 25;

/** Codex's `thread/list` over the recorded sessions: filters, sort, keyset pagination. */
export function listStoredThreads(home: string, params: ThreadListParams, serverCwd: string): ListedPage {
  const key: SortKey =
    params.sortKey === 'updated_at' || params.sortKey === 'recency_at' ? 'updated_at' : 'created_at';
  const descending = params.sortDirection !== 'asc';
  const cwds =
    params.cwd == null
      ? undefined
      : new Set(
          (Array.isArray(params.cwd) ? params.cwd : [params.cwd]).map((c) => path.resolve(serverCwd, c)),
        );
  const providers = params.modelProviders?.length ? new Set(params.modelProviders) : undefined;
  const term = params.searchTerm ?? undefined;
  const all = (params.archived ? listArchived(home) : listSessions(home)).filter(
    (s) =>
      (!cwds || cwds.has(s.cwd)) &&
      (!providers || providers.has(s.model_provider)) &&
      (term === undefined || (s.first_prompt ?? '').includes(term)),
  );
  const compare = (a: SessionListing, b: SessionListing) => {
    const [va, vb] = [sortValue(a, key), sortValue(b, key)];
    const order = va < vb ? -1 : va > vb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return descending ? -order : order;
  };
  all.sort(compare);
  let start = 0;
  if (params.cursor) {
    const [value, id] = decodeCursor(params.cursor);
    const marker = { started_at: value, updated_at: value, id } as SessionListing;
    start = all.findIndex((s) => compare(s, marker) > 0);
    if (start < 0) start = all.length;
  }
  const limit = params.limit ? Math.min(params.limit, 1000) : DEFAULT_PAGE;
  const data = all.slice(start, start + limit);
  const last = data[data.length - 1];
  const more = start + limit < all.length;
  return { data, nextCursor: more && last ? encodeCursor(sortValue(last, key), last.id) : null };
}

interface RecordedTurns {
  turns: V2Turn[];
  read: RolloutRead;
}

/**
 * The turns of a rollout with their items. A last turn without an outcome in the log is
 * `inProgress` when it is the live turn of this process, else `interrupted` (its process stopped).
 */
export function readRecordedTurns(file: string, liveTurnId?: string): RecordedTurns {
  const turns: V2Turn[] = [];
  let current: { turn: V2Turn; items: RecordedTurnItems; startMs: number } | undefined;
  const built: Array<[V2Turn, RecordedTurnItems]> = [];
  let cwd = '';
  const read = readRollout(file, {
    hooks: {
      turnStarted: (_n, context, timestamp) => {
        cwd = context.cwd;
        const turn: V2Turn = {
          id: context.turn_id,
          items: [],
          status: 'inProgress',
          error: null,
          startedAt: seconds(Date.parse(timestamp)),
          completedAt: null,
          durationMs: null,
        };
        turns.push(turn);
        current = {
          turn,
          items: new RecordedTurnItems(context.turn_id, cwd),
          startMs: Date.parse(timestamp),
        };
        built.push([turn, current.items]);
      },
      committed: (items) => {
        if (current) for (const item of items) current.items.committed(item);
      },
      event: (event, timestamp) => {
        if (!current) return;
        const turn = current.turn;
        if (event.type === 'item.completed') {
          current.items.displayItem(event.item);
          return;
        }
        if (event.type === 'turn.completed') turn.status = 'completed';
        else if (event.type === 'turn.failed') {
          turn.status = 'failed';
          turn.error = turnError(event.error);
        } else if (event.type === 'turn.interrupted') turn.status = 'interrupted';
        else return;
        current.items.end();
        turn.completedAt = seconds(Date.parse(timestamp));
        turn.durationMs =
          turn.startedAt == null ? null : Math.max(0, Date.parse(timestamp) - turn.startedAt * 1000);
      },
    },
  });
  for (const [turn, items] of built) turn.items = items.items;
  const last = turns[turns.length - 1];
  if (last?.status === 'inProgress' && last.id !== liveTurnId) last.status = 'interrupted';
  return { turns, read };
}

/** Moves a recorded session to the archive. Throws SessionLockedError when a process has it open. */
export function archiveStoredThread(home: string, listing: SessionListing): void {
  const lock = acquireSessionLock(lockPathFor(listing.path), listing.id);
  try {
    const relative = path.relative(sessionsDir(home), listing.path);
    const target = path.join(archivedDir(home), relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(listing.path, target);
  } finally {
    lock.release();
  }
}
