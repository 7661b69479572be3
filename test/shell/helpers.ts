/** Test helpers for the shell tools: a recording item sink, tool contexts, process checks. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThreadItem } from '../../src/protocol/events.js';
import { defaultSandboxPolicy, type SandboxMode } from '../../src/protocol/policy.js';
import type { ToolContext, ToolItemSink } from '../../src/tools/types.js';

export type SinkEvent =
  | { kind: 'started' | 'updated' | 'completed'; item: ThreadItem }
  | { kind: 'delta'; itemId: string; delta: string };

export class RecordingSink implements ToolItemSink {
  readonly events: SinkEvent[] = [];
  private next = 0;
  newItemId(): string {
    return `item_${this.next++}`;
  }
  started(item: ThreadItem): void {
    this.events.push({ kind: 'started', item: structuredClone(item) });
  }
  updated(item: ThreadItem): void {
    this.events.push({ kind: 'updated', item: structuredClone(item) });
  }
  completed(item: ThreadItem): void {
    this.events.push({ kind: 'completed', item: structuredClone(item) });
  }
  outputDelta(itemId: string, delta: string): void {
    this.events.push({ kind: 'delta', itemId, delta });
  }
  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }
  deltas(): string {
    return this.events.map((e) => (e.kind === 'delta' ? e.delta : '')).join('');
  }
  completedItems(): ThreadItem[] {
    return this.events.flatMap((e) => (e.kind === 'completed' ? [e.item] : []));
  }
}

export function makeContext(
  cwd: string,
  options: {
    mode?: SandboxMode;
    bypass?: boolean;
    signal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
    /** Defaults to `<cwd>-home`, which `tempDir().cleanup` removes too. */
    spoolHome?: string;
  } = {},
): { ctx: ToolContext; sink: RecordingSink } {
  const sink = new RecordingSink();
  const ctx: ToolContext = {
    cwd,
    callId: 'call_1',
    turnId: 'turn_1',
    signal: options.signal ?? new AbortController().signal,
    sandbox: defaultSandboxPolicy(options.mode ?? 'danger-full-access'),
    approvalPolicy: 'never',
    bypassSandbox: options.bypass ?? false,
    env: options.env ?? { ...process.env },
    spoolHome: options.spoolHome ?? `${cwd}-home`,
    items: sink,
    requestApproval: async () => ({ decision: 'denied' }),
    sessionApprovals: new Set(),
  };
  return { ctx, sink };
}

export function tempDir(prefix = 'spool-shell-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup: () => {
      rmSync(path, { recursive: true, force: true });
      rmSync(`${path}-home`, { recursive: true, force: true });
    },
  };
}

/** True while `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

export function readPid(file: string): number {
  return Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
