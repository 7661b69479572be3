/**
 * Session replay: a recorded session re-executed with its recorded model responses, served by the
 * replay server (replay-server.ts), and its tools re-run for real in a scratch workspace under the
 * sandbox the runtime says (the CLI passes the recorded one). With `check`, every request Spool
 * builds is compared with the recorded one byte for byte (request-check.ts); the first divergence
 * is reported.
 *
 * Responses are served by position: the n-th request gets the n-th recorded response whatever it
 * asks, so a replay is deterministic even when a tool's output changed.
 */

import { ROOT_PATH } from '../agents/path.js';
import { AgentTree } from '../agents/tree.js';
import type { Runtime } from '../config/runtime.js';
import { currentEnvironment } from '../context/environment-context.js';
import { createModelClient } from '../model/client-factory.js';
import type { SpoolEvent } from '../protocol/events.js';
import type { ContextSnapshot } from '../protocol/rollout.js';
import { openThread } from '../session/open-thread.js';
import { builtinTools } from '../session/tools.js';
import { readRollout } from '../store/rollout-reader.js';
import type { Recording } from './recording.js';
import { startReplayServer } from './replay-server.js';
import { compareRequest, type Divergence, type Substitutions } from './request-check.js';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

export interface ReplayOptions {
  recording: Recording;
  /** The runtime to replay with: its directory is the scratch copy (see workspace.ts). */
  runtime: Runtime;
  /** The directory the session was recorded in (the scratch copy's path is mapped back to it). */
  recordedCwd: string;
  check: boolean;
  /** Start at this turn (1-based): earlier turns are taken from the log, not re-run. */
  fromTurn?: number;
  signal?: AbortSignal;
  onEvent?: (event: SpoolEvent) => void;
}

export interface ReplayResult {
  /** Turns re-run. */
  turns: number;
  /** Requests the replay made, and the recorded ones it was compared with. */
  requests: number;
  recordedRequests: number;
  /** Recorded responses available, and how many requests found none. */
  responses: number;
  unanswered: number;
  /** The turns' outcomes, in order. */
  outcomes: Array<'completed' | 'failed' | 'interrupted'>;
  /** With `check`: the first divergence (undefined: every request was identical). */
  divergence?: Divergence;
  /** With `check`: why the requests cannot be compared (a log without `request` lines). */
  checkUnavailable?: string;
}

/** Why `--check` cannot compare this recording, or undefined when it can. */
function checkUnavailableReason(recording: Recording): string | undefined {
  if (recording.hasRequests) return undefined;
  return `${recording.path} was recorded by Spool ${recording.meta.spool_version}, which did not keep the requests it sent (the log has no \`request\` lines, written since request recording was added): there is nothing to compare the requests with. The session can still be replayed without --check.`;
}

/**
 * The situation the model was last told about, as this replay would tell it (the scratch directory,
 * today's date), so resuming at a later turn announces no change the recording did not have.
 */
function asSeenFrom(snapshot: ContextSnapshot, recordedCwd: string, runtime: Runtime): ContextSnapshot {
  const moved = JSON.parse(
    JSON.stringify(snapshot)
      .split(JSON.stringify(recordedCwd).slice(1, -1))
      .join(JSON.stringify(runtime.settings.cwd).slice(1, -1)),
  ) as ContextSnapshot;
  const now = currentEnvironment(runtime.settings.cwd, runtime.settings.shellEnv);
  return { ...moved, current_date: now.currentDate, timezone: now.timezone, shell: now.shell };
}

export async function replaySession(options: ReplayOptions): Promise<ReplayResult> {
  const { recording } = options;
  if (recording.wire !== 'responses')
    throw new ReplayError(
      `${recording.path} was recorded over Chat Completions; the replay server speaks the Responses wire only`,
    );
  const from = options.fromTurn ?? 1;
  if (from < 1 || from > recording.turns.length)
    throw new ReplayError(`--from ${from}: the session has ${recording.turns.length} turns`);
  const turns = recording.turns.filter((turn) => turn.number >= from);
  const responses = recording.responses.filter((response) => response.turn >= from);
  const requests = recording.requests.filter((request) => request.turn >= from);
  const checkUnavailable = options.check ? checkUnavailableReason(recording) : undefined;

  let substitutions: Substitutions = [];
  let divergence: Divergence | undefined;
  const server = await startReplayServer({
    model: recording.meta.model,
    responses,
    onRequest: (seq, body) => {
      if (!options.check || checkUnavailable || divergence) return;
      const recorded = requests[seq - 1];
      divergence = recorded
        ? compareRequest(seq, body, recorded, substitutions)
        : {
            request: seq,
            turn: turns.at(-1)?.number ?? from,
            part: 'body',
            summary: `request ${seq} was not made when the session was recorded (it made ${requests.length})`,
            diff: '',
          };
    },
  });
  const runtime: Runtime = {
    ...options.runtime,
    settings: {
      ...options.runtime.settings,
      // A retry would change the sequence of requests; the recording has exactly what was sent.
      retry: { ...options.runtime.settings.retry, requestMaxRetries: 0, streamMaxRetries: 0 },
    },
  };
  const outcomes: ReplayResult['outcomes'] = [];
  try {
    const before = from > 1 ? readRollout(recording.path, { throughTurn: from - 1 }) : undefined;
    // The tools the session had: the built-in ones and the root's collaboration tools (a sub-agent
    // the replayed model spawns is not replayed: its requests diverge, docs/eval.md).
    const tree = new AgentTree({ runtime });
    const tools = builtinTools(runtime.settings, tree.toolsFor(ROOT_PATH));
    const { thread } = openThread(
      runtime,
      tools,
      before
        ? {
            kind: 'ephemeral',
            history: before.history,
            ...(before.lastContext
              ? { contextSnapshot: asSeenFrom(before.lastContext, options.recordedCwd, runtime) }
              : {}),
          }
        : { kind: 'ephemeral' },
      {
        createModelClient: (rt) =>
          createModelClient({
            endpoint: { ...rt.endpoint, baseURL: server.url, apiKey: 'replay', headers: {}, query: {} },
            wireApi: 'responses',
            providerId: rt.providerId,
          }),
      },
    );
    tree.attachRoot(thread);
    // Approvals are answered as the session answered them, in order; questions get no answer.
    const decisions = recording.approvals.filter((approval) => approval.turn >= from);
    const unsubscribe = thread.subscribe((event) => {
      options.onEvent?.(event);
      if (event.type === 'approval.requested') {
        const recorded = decisions.shift();
        thread.resolveApproval(
          event.request.id,
          recorded?.decision ?? 'denied',
          recorded ? (recorded.reason ?? 'as recorded') : 'the recorded session made no such request',
        );
      } else if (event.type === 'user_input.requested') {
        thread.resolveUserInput(event.request.id, undefined, 'a replay has no one to ask');
      }
    });
    try {
      const recordedContext =
        (from > 1 ? before?.lastContext : recording.initialContext) ?? turns[0]?.context;
      const live = thread.contextSnapshot;
      substitutions = [
        [runtime.settings.cwd, options.recordedCwd],
        [thread.id, recording.meta.id],
        ...(live && recordedContext
          ? ([
              [
                `<current_date>${live.current_date}</current_date>`,
                `<current_date>${recordedContext.current_date}</current_date>`,
              ],
              [`<timezone>${live.timezone}</timezone>`, `<timezone>${recordedContext.timezone}</timezone>`],
              [`<shell>${live.shell}</shell>`, `<shell>${recordedContext.shell}</shell>`],
            ] as const)
          : []),
      ];
      thread.announce();
      for (const turn of turns) {
        if (!turn.input) continue;
        const outcome = await thread.runTurn(turn.input, options.signal ? { signal: options.signal } : {});
        outcomes.push(outcome.status);
        if (options.signal?.aborted) break;
      }
    } finally {
      unsubscribe();
      await tree.close();
      await thread.close();
    }
  } finally {
    await server.close();
  }
  if (options.check && !checkUnavailable && !divergence && server.bodies.length < requests.length) {
    divergence = {
      request: server.bodies.length + 1,
      turn: requests[server.bodies.length]?.turn ?? from,
      part: 'body',
      summary: `the replay made ${server.bodies.length} requests; the recorded session made ${requests.length}`,
      diff: '',
    };
  }
  return {
    turns: outcomes.length,
    requests: server.bodies.length,
    recordedRequests: requests.length,
    responses: responses.length,
    unanswered: server.unanswered,
    outcomes,
    ...(divergence ? { divergence } : {}),
    ...(checkUnavailable ? { checkUnavailable } : {}),
  };
}
