/**
 * Reading a rollout file: split into lines, check the meta line, dispatch on its format version,
 * fold the lines into a history (rollout-fold.ts).
 *
 * A last line without its newline is what a crash in the middle of a write leaves: it is dropped
 * with a warning (nothing in it was ever acknowledged: an append returns only after the whole line
 * is written). Any other line that does not parse is corruption and an error.
 */
import fs from 'node:fs';
import { expectSyntaxError } from '../protocol/errors.js';
import type { HistoryItem } from '../protocol/items.js';
import type { ContextSnapshot, TurnContextRecord } from '../protocol/rollout.js';
import {
  FORMAT_VERSION,
  type RolloutLine,
  RolloutLineRecord,
  type SessionMeta,
  SessionMetaHead,
} from '../protocol/rollout.js';
import { RolloutFormatError, storeError } from './errors.js';
import { type Closure, type FoldHooks, RolloutFold } from './rollout-fold.js';
import { type SessionSummary, SummaryBuilder } from './summary.js';

export interface RolloutRead {
  path: string;
  meta: SessionMeta;
  /** The history a resumed thread continues from (an unfinished response closed). */
  history: HistoryItem[];
  /** What closing an unfinished response added, if anything (resume writes it to the log). */
  closure: Closure | undefined;
  /** Turns read (all, or up to `throughTurn`). */
  turns: number;
  lastTurnContext: TurnContextRecord | undefined;
  /** The last turn, when its outcome is not in the log (the process stopped during it). */
  unfinishedTurn: TurnContextRecord | undefined;
  /** What the model was last told about its situation (for announcing changes on resume). */
  lastContext: ContextSnapshot | undefined;
  /** The list entry of what was read. */
  summary: SessionSummary;
  warnings: string[];
  /** Bytes of the meta line (newline included). */
  metaBytes: number;
  /** Bytes of complete lines in the file (a torn tail is excluded). */
  completeBytes: number;
  /** Where reading stopped: the end of the last line applied (with `throughTurn`, the end of that turn). */
  endOffset: number;
}

interface ReadOptions {
  /**
   * Stop after this turn (1-based), for forks: after the turn's outcome event, or — for a turn
   * the process never finished — before the next turn's first line.
   */
  throughTurn?: number;
  hooks?: FoldHooks;
}

/** Applies one line after the meta line. */
type VersionReader = (fold: RolloutFold, line: RolloutLine, where: string) => void;

/** One reader per format version this Spool can read. */
const READERS: Record<number, VersionReader> = {
  1: (fold, line, where) => fold.apply(line, where),
};

function parseLine(text: string, where: string): RolloutLine {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch (err) {
    expectSyntaxError(err);
    throw new RolloutFormatError(`${where}: not valid JSON`);
  }
  const record = RolloutLineRecord.safeParse(line);
  if (!record.success) throw new RolloutFormatError(`${where}: not a rollout line`);
  return record.data as RolloutLine;
}

function checkMeta(line: RolloutLine, file: string): SessionMeta {
  const head = SessionMetaHead.safeParse(line.payload);
  if (line.type !== 'session_meta' || !head.success)
    throw new RolloutFormatError(`${file} is not a Spool session log (no session_meta first line)`);
  const meta = head.data;
  if (typeof meta.format_version !== 'number' || !READERS[meta.format_version]) {
    throw new RolloutFormatError(
      typeof meta.format_version === 'number' && meta.format_version > FORMAT_VERSION
        ? `${file} was written by a newer Spool (format ${meta.format_version}); this Spool reads formats up to ${FORMAT_VERSION}`
        : `${file} has an unknown format version ${JSON.stringify(meta.format_version)}`,
    );
  }
  // The identity and format are checked; the rest is as the writer wrote it (sessions.ts).
  return meta as unknown as SessionMeta;
}

/** Reads rollout text (the bytes of a file) into a history. */
export function readRolloutText(text: string, file: string, options: ReadOptions = {}): RolloutRead {
  const warnings: string[] = [];
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  if (lastNewline + 1 < text.length) {
    warnings.push(
      `${file}: the last line was cut short (the process stopped while writing it) and was dropped`,
    );
  }
  const firstEnd = complete.indexOf('\n');
  if (firstEnd < 0) throw new RolloutFormatError(`${file} is empty or has no complete line`);
  const metaLine = parseLine(complete.slice(0, firstEnd), `${file}:1`);
  const meta = checkMeta(metaLine, file);
  const apply = READERS[meta.format_version]!;
  const summary = new SummaryBuilder();
  summary.add(metaLine.type, metaLine.payload);

  const fold = new RolloutFold(options.hooks);
  const through = options.throughTurn;
  let offset = firstEnd + 1;
  let lineNumber = 1;
  let endOffset = offset;
  while (offset < complete.length) {
    const end = complete.indexOf('\n', offset);
    lineNumber++;
    const raw = complete.slice(offset, end);
    const where = `${file}:${lineNumber}`;
    if (raw.trim() !== '') {
      const line = parseLine(raw, where);
      if (through !== undefined && line.type === 'turn_context' && fold.turns >= through) break;
      apply(fold, line, where);
      summary.add(line.type, line.payload);
    }
    offset = end + 1;
    endOffset = offset;
    if (through !== undefined && fold.turns === through && fold.lastTurnEnded) break;
  }
  const closure = fold.close(new Date().toISOString());
  return {
    path: file,
    meta,
    history: fold.history,
    closure,
    turns: fold.turns,
    lastTurnContext: fold.lastTurnContext,
    unfinishedTurn: fold.lastTurnEnded ? undefined : fold.lastTurnContext,
    lastContext: fold.lastContext,
    summary: summary.summary!,
    warnings,
    metaBytes: Buffer.byteLength(complete.slice(0, firstEnd + 1), 'utf8'),
    completeBytes: Buffer.byteLength(complete, 'utf8'),
    endOffset: Buffer.byteLength(complete.slice(0, endOffset), 'utf8'),
  };
}

export function readRollout(file: string, options: ReadOptions = {}): RolloutRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw storeError(`cannot read the session log ${file}`, err);
  }
  return readRolloutText(text, file, options);
}
