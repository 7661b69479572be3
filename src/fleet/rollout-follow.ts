/**
 * Following a session's rollout file as the session writes it: complete lines only (a line being
 * written is left for the next read), from a byte offset. And what a checkpointed rollout says about
 * the session's last turn.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Usage } from '../protocol/usage.js';
import { idFromRolloutName, sessionsDir } from '../store/paths.js';
import { SummaryBuilder, scanLines } from '../store/summary.js';

/** The one rollout under a job's own Spool home, once the session has created it. */
export function findRollout(home: string): { id: string; file: string } | undefined {
  const stack = [sessionsDir(home)];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else {
        const id = idFromRolloutName(entry.name);
        if (id) return { id, file: full };
      }
    }
  }
  return undefined;
}

/** The complete lines of `file` after `from`, and the offset after them. */
export function readComplete(file: string, from: number): { chunk: string; to: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= from) return { chunk: '', to: from };
    const buffer = Buffer.alloc(size - from);
    const read = fs.readSync(fd, buffer, 0, buffer.length, from);
    const end = buffer.subarray(0, read).lastIndexOf(0x0a);
    if (end < 0) return { chunk: '', to: from };
    return { chunk: buffer.subarray(0, end + 1).toString('utf8'), to: from + end + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

interface Line {
  type?: string;
  payload?: { type?: string; role?: string; content?: Array<{ type?: string; text?: string }> };
}

/**
 * When the rollout's last turn completed (the process was lost after the session finished but
 * before the job's result was stored): the final message. Undefined when the last turn did not
 * complete.
 */
export function completedTurnMessage(rollout: string): { message: string | null } | undefined {
  const lines = rollout.split('\n').filter((line) => line.trim() !== '');
  let message: string | null = null;
  let ended: string | undefined;
  for (const text of lines) {
    const line = JSON.parse(text) as Line;
    if (line.type === 'turn_context') ended = undefined;
    if (
      line.type === 'event' &&
      ['turn.completed', 'turn.failed', 'turn.interrupted'].includes(line.payload?.type ?? '')
    )
      ended = line.payload?.type;
    const item = line.payload;
    if (
      (line.type === 'received' || line.type === 'item') &&
      item?.type === 'message' &&
      item.role === 'assistant'
    ) {
      message = (item.content ?? []).map((part) => part.text ?? '').join('');
    }
  }
  return ended === 'turn.completed' ? { message } : undefined;
}

/** The session's usage over every process that ran it. */
export function rolloutUsage(rollout: string): Usage {
  const builder = new SummaryBuilder();
  scanLines(rollout, builder);
  const tokens = builder.summary?.tokens;
  return {
    input_tokens: tokens?.input_tokens ?? 0,
    cached_input_tokens: tokens?.cached_input_tokens ?? 0,
    output_tokens: tokens?.output_tokens ?? 0,
    reasoning_output_tokens: tokens?.reasoning_output_tokens ?? 0,
  };
}
