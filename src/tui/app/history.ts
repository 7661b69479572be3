/**
 * Prompt history across sessions: `$SPOOL_HOME/history.jsonl`, one `{"ts", "text"}` per line
 * (Codex keeps the same file in its home). Failures to read or write are not the user's problem:
 * history is a convenience.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectErrno, expectSyntaxError, expectSystemError, UNREADABLE } from '../../protocol/errors.js';

/** Entries loaded into the composer at start. */
const HISTORY_LOADED = 500;

function historyFile(home: string): string {
  return path.join(home, 'history.jsonl');
}

export function loadHistory(home: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(historyFile(home), 'utf8');
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return [];
  }
  const entries: string[] = [];
  for (const line of text.split('\n').slice(-HISTORY_LOADED - 1)) {
    try {
      const entry = JSON.parse(line) as { text?: unknown };
      if (typeof entry.text === 'string') entries.push(entry.text);
    } catch (err) {
      expectSyntaxError(err);
      // A torn or foreign line.
    }
  }
  return entries.slice(-HISTORY_LOADED);
}

export function appendHistory(home: string, text: string, sessionId: string | undefined): void {
  try {
    fs.mkdirSync(home, { recursive: true });
    const line = `${JSON.stringify({ session_id: sessionId ?? null, ts: Math.floor(Date.now() / 1000), text })}\n`;
    fs.appendFileSync(historyFile(home), line, { mode: 0o600 });
  } catch (err) {
    expectSystemError(err);
    // History is a convenience: a home it cannot be written to does not stop the turn.
  }
}
