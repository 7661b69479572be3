/**
 * `wait_agent`: its timeout (default 30 s, clamped to 10 s – 1 h, Codex's bounds, saying so), and
 * the wait itself — woken by the next message in the caller's mailbox, never by polling.
 */
import type { AgentView, ControlResult, WaitResult } from '../tools/collab/control.js';
import type { AgentNode } from './node.js';
import { isWithin } from './path.js';

const DEFAULT_WAIT_MS = 30_000;
const MIN_WAIT_MS = 10_000;
const MAX_WAIT_MS = 3_600_000;

export function clampWaitTimeout(requested: number | undefined): { ms: number; note?: string } {
  if (requested === undefined) return { ms: DEFAULT_WAIT_MS };
  if (requested < MIN_WAIT_MS)
    return { ms: MIN_WAIT_MS, note: `timeout_ms ${requested} raised to the minimum of ${MIN_WAIT_MS}` };
  if (requested > MAX_WAIT_MS)
    return { ms: MAX_WAIT_MS, note: `timeout_ms ${requested} lowered to the maximum of ${MAX_WAIT_MS}` };
  return { ms: requested };
}

/** What a wait reads of its tree. */
export interface WaitHost {
  all(): AgentNode[];
  busy(node: AgentNode): boolean;
  view(node: AgentNode): AgentView;
}

export function waitForMessage(
  host: WaitHost,
  caller: AgentNode,
  timeoutMs: number | undefined,
  signal: AbortSignal,
): Promise<ControlResult<WaitResult>> {
  const clamp = clampWaitTimeout(timeoutMs);
  const note = clamp.note ? ` (${clamp.note})` : '';
  if (caller.thread.pendingMail > 0)
    return Promise.resolve({
      ok: true,
      value: { timedOut: false, message: `Wait completed: messages are waiting.${note}`, senders: [] },
    });
  const running = host
    .all()
    .filter((node) => node !== caller && isWithin(node.path, caller.path) && host.busy(node));
  if (running.length === 0)
    return Promise.resolve({
      ok: true,
      value: {
        timedOut: false,
        message: 'Nothing to wait for: no agent you spawned is running and no message is waiting.',
        senders: [],
      },
    });
  return new Promise((resolve) => {
    const finish = (result: WaitResult) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      caller.waiters.delete(wake);
      resolve({ ok: true, value: result });
    };
    const wake = (sender: AgentNode | undefined) =>
      finish({
        timedOut: false,
        message: `Wait completed: a message arrived${sender ? ` from ${sender.path}` : ''}.${note}`,
        senders: sender ? [host.view(sender)] : [],
      });
    const onAbort = () => finish({ timedOut: false, message: 'Wait interrupted.', senders: [] });
    const timer = setTimeout(
      () =>
        finish({
          timedOut: true,
          message: `Wait timed out after ${clamp.ms} ms${note}; still running: ${running.map((n) => n.path).join(', ')}.`,
          senders: [],
        }),
      clamp.ms,
    );
    caller.waiters.add(wake);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
