/**
 * The session list, kept fast by a compact JSONL index at `$SPOOL_HOME/session_index.jsonl`.
 *
 * The rollout files are the source of truth; the index is a cache of their summaries. Each entry
 * records the file's size and mtime when it was summarised, and how many bytes of complete lines
 * the summary covers. An entry is **stale** when the file's current size or mtime differ from the
 * recorded ones (appends change both); a file without an entry is missing from the index. Stale
 * entries are brought up to date by scanning only the bytes after the covered offset (rollouts are
 * append-only); a file that shrank below it is scanned again from the start. Entries of files that
 * no longer exist are ignored. Later lines win, so updates are appends; the file is rewritten
 * (atomically) when it holds many superseded lines. A missing or unreadable index is rebuilt.
 *
 * Writers append their entry when a session closes, so listing after a normal run reads nothing
 * but the index and one `stat` per session.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expectErrno, expectSyntaxError, expectSystemError, UNREADABLE } from '../protocol/errors.js';
import { errorCode } from './errors.js';
import { idFromRolloutName, indexPath, sessionsDir } from './paths.js';
import { readRange } from './read-range.js';
import { type SessionSummary, SummaryBuilder, scanLines } from './summary.js';

const INDEX_VERSION = 1;

interface IndexEntry extends SessionSummary {
  v: number;
  /** The rollout file, relative to the sessions directory. */
  path: string;
  size: number;
  mtime_ms: number;
  /** Bytes of complete lines the summary covers. */
  offset: number;
}

export interface SessionListing extends SessionSummary {
  /** Absolute path of the rollout file. */
  path: string;
  /** Last write to the rollout (ISO 8601). */
  updated_at: string;
}

interface RolloutFile {
  relative: string;
  absolute: string;
}

function isDigits(name: string, length: number): boolean {
  return name.length === length && /^\d+$/.test(name);
}

function subdirectories(dir: string, width: number): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isDigits(entry.name, width))
      .map((entry) => entry.name);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** Every rollout file under sessions/YYYY/MM/DD. */
function rolloutFiles(home: string): RolloutFile[] {
  const root = sessionsDir(home);
  const files: RolloutFile[] = [];
  for (const year of subdirectories(root, 4)) {
    for (const month of subdirectories(path.join(root, year), 2)) {
      for (const day of subdirectories(path.join(root, year, month), 2)) {
        const relativeDir = `${year}/${month}/${day}/`;
        const dir = path.join(root, relativeDir);
        for (const name of fs.readdirSync(dir)) {
          if (!idFromRolloutName(name)) continue;
          // Plain concatenation: path.join per file is measurable at 10,000 sessions.
          files.push({ relative: relativeDir + name, absolute: dir + name });
        }
      }
    }
  }
  return files;
}

function validEntry(entry: unknown): entry is IndexEntry {
  const e = entry as Partial<IndexEntry> | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    e.v === INDEX_VERSION &&
    typeof e.path === 'string' &&
    typeof e.id === 'string' &&
    typeof e.size === 'number' &&
    typeof e.mtime_ms === 'number' &&
    typeof e.offset === 'number' &&
    typeof e.turns === 'number' &&
    typeof e.tokens === 'object' &&
    typeof e.cost === 'object'
  );
}

/** The index's lines as values: one JSON.parse of the whole file, or line by line if one is bad. */
function parseLines(text: string): unknown[] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body === '') return [];
  try {
    return JSON.parse(`[${body.replaceAll('\n', ',')}]`) as unknown[];
  } catch (err) {
    // A torn or corrupt line somewhere: parse line by line, the bad ones as undefined.
    expectSyntaxError(err);
    return body.split('\n').map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (lineError) {
        expectSyntaxError(lineError);
        return undefined;
      }
    });
  }
}

/** The index's entries by rollout path; `lines` counts every line, `invalid` the unusable ones. */
function loadIndex(file: string): { entries: Map<string, IndexEntry>; lines: number; invalid: number } {
  const entries = new Map<string, IndexEntry>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return { entries, lines: 0, invalid: 0 };
  }
  const values = parseLines(text);
  let invalid = 0;
  for (const value of values) {
    if (validEntry(value)) entries.set(value.path, value);
    else invalid++;
  }
  return { entries, lines: values.length, invalid };
}

/** Summarises `file` anew, or continues `previous` from the offset it covers. */
function summarise(
  file: RolloutFile,
  stat: fs.Stats,
  previous: IndexEntry | undefined,
): IndexEntry | undefined {
  const resume = previous !== undefined && previous.offset > 0 && stat.size >= previous.offset;
  const start = resume ? previous.offset : 0;
  const builder = new SummaryBuilder(resume ? previous : undefined);
  const consumed = scanLines(readRange(file.absolute, start, stat.size).toString('utf8'), builder);
  const summary = builder.summary;
  if (!summary) return undefined;
  return entryFor(summary, file.relative, stat, start + consumed);
}

function entryFor(summary: SessionSummary, relative: string, stat: fs.Stats, offset: number): IndexEntry {
  const {
    id,
    started_at,
    cwd,
    model,
    model_provider,
    forked_from,
    spawned_from,
    first_prompt,
    turns,
    tokens,
    cost,
  }: SessionSummary = summary;
  return {
    v: INDEX_VERSION,
    id,
    path: relative,
    size: stat.size,
    mtime_ms: stat.mtimeMs,
    offset,
    started_at,
    cwd,
    model,
    model_provider,
    ...(forked_from ? { forked_from } : {}),
    ...(spawned_from ? { spawned_from } : {}),
    ...(first_prompt !== undefined ? { first_prompt } : {}),
    turns,
    tokens,
    cost,
  };
}

function serialize(entries: IndexEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
}

/** Whether the index holds so many superseded or unusable lines that it should be rewritten. */
function needsRewrite(lines: number, invalid: number, live: number): boolean {
  return invalid > 0 || lines > 2 * live + 64;
}

/** Best effort: the index is a cache, and listing works without it (only slower). */
function persist(file: string, all: IndexEntry[], changed: IndexEntry[], rewrite: boolean): void {
  try {
    if (rewrite) {
      const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      fs.writeFileSync(temp, serialize(all));
      fs.renameSync(temp, file);
    } else if (changed.length > 0) {
      fs.appendFileSync(file, serialize(changed));
    }
  } catch (err) {
    expectSystemError(err);
    // An unwritable home: the next listing summarises again.
  }
}

/**
 * Every session, summaries brought up to date (see the file comment), the index updated.
 * Unordered; callers sort.
 */
export function listSessions(home: string): SessionListing[] {
  const file = indexPath(home);
  const { entries, lines, invalid } = loadIndex(file);
  const all: IndexEntry[] = [];
  const changed: IndexEntry[] = [];
  for (const rollout of rolloutFiles(home)) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(rollout.absolute);
    } catch (err) {
      expectSystemError(err);
      continue;
    }
    let entry = entries.get(rollout.relative);
    if (!entry || entry.size !== stat.size || entry.mtime_ms !== stat.mtimeMs) {
      try {
        entry = summarise(rollout, stat, entry);
      } catch (err) {
        expectSystemError(err);
        entry = undefined;
      }
      if (!entry) continue;
      changed.push(entry);
    }
    all.push(entry);
  }
  const rewrite = needsRewrite(lines + changed.length, invalid, all.length);
  if (changed.length > 0 || rewrite) persist(file, all, changed, rewrite);
  const root = `${sessionsDir(home)}${path.sep}`;
  return all.map((entry) => listing(entry, root));
}

function listing(entry: IndexEntry, root: string): SessionListing {
  const session: SessionListing = {
    id: entry.id,
    started_at: entry.started_at,
    cwd: entry.cwd,
    model: entry.model,
    model_provider: entry.model_provider,
    turns: entry.turns,
    tokens: entry.tokens,
    cost: entry.cost,
    path: root + entry.path,
    updated_at: new Date(entry.mtime_ms).toISOString(),
  };
  if (entry.forked_from) session.forked_from = entry.forked_from;
  if (entry.spawned_from) session.spawned_from = entry.spawned_from;
  if (entry.first_prompt !== undefined) session.first_prompt = entry.first_prompt;
  return session;
}

/** Records a session's final summary (a writer closing its log). Best effort. */
export function recordInIndex(
  home: string,
  rolloutPath: string,
  summary: SessionSummary,
  offset: number,
): void {
  try {
    const stat = fs.statSync(rolloutPath);
    const relative = path.relative(sessionsDir(home), rolloutPath).split(path.sep).join('/');
    fs.appendFileSync(indexPath(home), serialize([entryFor(summary, relative, stat, offset)]));
  } catch (err) {
    expectSystemError(err);
    // The next listing summarises the file itself.
  }
}
