/**
 * The figures of one scripted session, computed the same way for every harness from what the
 * emulator saw (when each request arrived and when its answer ended) and from the timing each shell
 * command prints about itself. Pure: no clock, no I/O.
 */
import { cachedTokensForPrefix } from '../../test/emulator/index.js';

/** One model request as the bench recorded it (times in ms on one clock). */
export interface RequestTiming {
  /** When the request's headers reached the emulator. */
  receivedAt: number;
  /** When the emulator had sent the whole answer (the model stream ended). */
  answeredAt: number;
  bytes: number;
  inputTokens: number;
  cachedTokens: number;
  /** The shell command whose output this request carries: its own start and end, as it printed them. */
  command?: { startAt: number; endAt: number };
}

export interface SessionFigures {
  requests: number;
  /** Per tool iteration: next request's arrival − previous answer's end − the command's own time. */
  gapsMs: number[];
  /** Per iteration: previous answer's end → the command's first instruction (parse, dispatch, shell start). */
  beforeCommandMs: number[];
  /** Per iteration: the command's last instruction → the next request (shell exit, output, request). */
  afterCommandMs: number[];
  /** Σ time inside the model stream (request arrival → answer end). */
  streamMs: number;
  /** Σ time inside the commands themselves. */
  commandMs: number;
  /** Iterations whose request carried no timing from the command (the harness dropped its output). */
  untimedIterations: number;
  bytesSent: number;
  inputTokens: number;
  cachedTokens: number;
  /** The physical limit: every request reusing the whole previous request (at 128-token steps). */
  cacheLimitTokens: number;
}

export function sessionFigures(requests: RequestTiming[]): SessionFigures {
  const gapsMs: number[] = [];
  const beforeCommandMs: number[] = [];
  const afterCommandMs: number[] = [];
  let streamMs = 0;
  let commandMs = 0;
  let untimedIterations = 0;
  let bytesSent = 0;
  let inputTokens = 0;
  let cachedTokens = 0;
  let cacheLimitTokens = 0;
  requests.forEach((request, i) => {
    streamMs += request.answeredAt - request.receivedAt;
    bytesSent += request.bytes;
    inputTokens += request.inputTokens;
    cachedTokens += request.cachedTokens;
    if (i === 0) return;
    const previous = requests[i - 1]!;
    cacheLimitTokens += cachedTokensForPrefix(previous.inputTokens);
    const idle = request.receivedAt - previous.answeredAt;
    if (!request.command) {
      untimedIterations++;
      gapsMs.push(idle);
      return;
    }
    const own = request.command.endAt - request.command.startAt;
    commandMs += own;
    gapsMs.push(idle - own);
    beforeCommandMs.push(request.command.startAt - previous.answeredAt);
    afterCommandMs.push(request.receivedAt - request.command.endAt);
  });
  return {
    requests: requests.length,
    gapsMs,
    beforeCommandMs,
    afterCommandMs,
    streamMs,
    commandMs,
    untimedIterations,
    bytesSent,
    inputTokens,
    cachedTokens,
    cacheLimitTokens,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((a, b) => a + b, 0) / values.length;
}
