/**
 * A recorded session read for replay: the turns and their prompts, each model response (its output
 * items and usage, in order) and, for sessions recorded since `request` lines exist, each request
 * as sent with the history it carried (rebuilt from the log at that line).
 *
 * Response boundaries: a `request` line starts a response; in logs without them (earlier Spool
 * versions) a response is the run of `received` items up to its `commit`.
 */
import fs from 'node:fs';
import { sha256 } from '../model/request-digest.js';
import { expectSyntaxError } from '../protocol/errors.js';
import type { ApprovalDecision } from '../protocol/events.js';
import type { ContentPart, HistoryItem } from '../protocol/items.js';
import type { RequestRecord } from '../protocol/request-record.js';
import type { ContextSnapshot, RolloutLine, SessionMeta, TurnContextRecord } from '../protocol/rollout.js';
import type { Usage } from '../protocol/usage.js';
import { RolloutFormatError, storeError } from '../store/errors.js';
import { readRequestPart } from '../store/request-parts.js';
import { RolloutFold } from '../store/rollout-fold.js';
import { readRolloutText } from '../store/rollout-reader.js';

export interface RecordedTurn {
  /** 1-based. */
  number: number;
  context: TurnContextRecord;
  /** The person's message that began the turn (absent: the turn had none, e.g. a compaction). */
  input: ContentPart[] | undefined;
}

export interface RecordedResponse {
  turn: number;
  items: HistoryItem[];
  usage: Usage | undefined;
}

/** A `request` line with the parts written only on change carried forward from earlier lines. */
export interface RecordedRequest {
  turn: number;
  /**
   * With the instructions and tools read from the home's kept parts (absent when the home that
   * recorded the session is not this one) and the other fields carried forward.
   */
  record: RequestRecord & { instructions?: string; tools?: unknown[]; rest: Record<string, unknown> };
  /** The history at the line (what the input should have been). */
  history: HistoryItem[];
  /** Whether `history` is exactly the input that was sent (its digest matches). */
  historyMatches: boolean;
  /** Line number in the file. */
  line: number;
}

export interface Recording {
  path: string;
  meta: SessionMeta;
  initialContext: ContextSnapshot | undefined;
  turns: RecordedTurn[];
  responses: RecordedResponse[];
  requests: RecordedRequest[];
  /** The log has `request` lines (written by Spool versions that keep requests). */
  hasRequests: boolean;
  /** The approval decisions the session made, in order (a replay answers its requests with them). */
  approvals: Array<{ turn: number; decision: ApprovalDecision; reason?: string }>;
  /** The wire the requests were sent on (`responses` when the log does not say). */
  wire: RequestRecord['wire'];
}

function isUserPrompt(item: HistoryItem): item is Extract<HistoryItem, { type: 'message' }> {
  return item.type === 'message' && item.role === 'user';
}

function parse(text: string, where: string): RolloutLine {
  try {
    return JSON.parse(text) as RolloutLine;
  } catch (err) {
    expectSyntaxError(err);
    throw new RolloutFormatError(`${where}: not valid JSON`);
  }
}

/** Reads rollout text (a file's bytes) for replay; throws RolloutFormatError for what is not a session. */
/** A kept part (a JSON text) parsed, or undefined when `home` does not hold it. */
function keptPart(home: string | undefined, digest: string): unknown {
  const text = home === undefined ? undefined : readRequestPart(home, digest);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    expectSyntaxError(err);
    return undefined;
  }
}

/**
 * Reads rollout text (a file's bytes) for replay; throws RolloutFormatError for what is not a
 * session. `home`: the Spool home whose kept request parts to read (instructions, tools).
 */
function readRecordingText(text: string, file: string, home?: string): Recording {
  // The store's reader checks the meta line, the format version and every line's shape.
  const read = readRolloutText(text, file);
  const turns: RecordedTurn[] = [];
  const responses: RecordedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const approvals: Recording['approvals'] = [];
  let current: RecordedResponse | undefined;
  let initialContext: ContextSnapshot | undefined;
  let rest: Record<string, unknown> | undefined;
  const fold = new RolloutFold({
    turnStarted: (number, context) => {
      turns.push({ number, context, input: undefined });
    },
    committed: (items) => {
      const turn = turns.at(-1);
      if (turn && turn.input === undefined) {
        const prompt = items.find(isUserPrompt);
        if (prompt) turn.input = prompt.content;
      }
    },
  });
  const endResponse = () => {
    if (current && current.items.length > 0) responses.push(current);
    current = undefined;
  };
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const where = `${file}:${i + 1}`;
    const line = parse(raw, where);
    const turnNumber = () => Math.max(1, fold.turns);
    switch (line.type) {
      case 'initial_context':
        initialContext = line.payload as ContextSnapshot;
        break;
      case 'request': {
        endResponse();
        const record = line.payload as RequestRecord;
        if (!record?.parts || typeof record.sha256 !== 'string')
          throw new RolloutFormatError(`${where}: not a request record`);
        rest = record.rest ?? rest;
        if (!rest)
          throw new RolloutFormatError(`${where}: a request line refers to fields no earlier line holds`);
        const instructions = keptPart(home, record.parts.instructions);
        const tools = keptPart(home, record.parts.tools);
        const history = [...fold.history];
        requests.push({
          turn: turnNumber(),
          record: {
            ...record,
            rest,
            ...(typeof instructions === 'string' ? { instructions } : {}),
            ...(Array.isArray(tools) ? { tools } : {}),
          },
          history,
          historyMatches: sha256(JSON.stringify(history)) === record.parts.input,
          line: i + 1,
        });
        current = { turn: turnNumber(), items: [], usage: undefined };
        break;
      }
      case 'received':
        current ??= { turn: turnNumber(), items: [], usage: undefined };
        current.items.push(line.payload as HistoryItem);
        break;
      case 'commit':
        // Without request lines, a commit of received items ends the response.
        if (requests.length === 0 && typeof (line.payload as { received?: unknown }).received === 'number')
          endResponse();
        break;
      case 'turn_context':
        if (requests.length === 0) endResponse();
        break;
      case 'event': {
        const event = line.payload as {
          type?: string;
          last?: Usage;
          decision?: ApprovalDecision;
          reason?: string;
        };
        if (event.type === 'approval.resolved' && event.decision)
          approvals.push({
            turn: turnNumber(),
            decision: event.decision,
            ...(event.reason ? { reason: event.reason } : {}),
          });
        // A response's usage follows its items (before or after their commit).
        const owner = current ?? responses.at(-1);
        if (event.type === 'usage.updated' && owner && !owner.usage && event.last) owner.usage = event.last;
        break;
      }
      default:
        break;
    }
    fold.apply(line, where);
  }
  endResponse();
  return {
    path: file,
    meta: read.meta,
    initialContext,
    turns,
    responses,
    requests,
    approvals,
    hasRequests: requests.length > 0,
    wire: requests[0]?.record.wire ?? 'responses',
  };
}

export function readRecording(file: string, home?: string): Recording {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw storeError(`cannot read the session log ${file}`, err);
  }
  return readRecordingText(text, file, home);
}
