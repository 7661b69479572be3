/**
 * The media session's journal: what was submitted to the provider, made durable (fsync) before the
 * request leaves, then the task id the provider gave, then how it ended. It is what makes
 * generations at-most-once across retries, crashes and resume: a submission recorded without an end
 * is never sent again — a recorded task is polled, an unknown outcome is reported — and the spend
 * against `--budget` is summed from it. One JSON line per record, in `<SPOOL_HOME>/media/<session>.jsonl`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const JournalSettings = z.object({
  type: z.literal('settings'),
  /** Absolute output folder. */
  out: z.string(),
  budget_usd: z.number().nullable(),
  brand_path: z.string().nullable(),
  /** The brand text the session began with: the cached prefix keeps it for the whole session. */
  brand_text: z.string().nullable(),
  at: z.string(),
});

export const JournalSubmit = z.object({
  type: z.literal('submit'),
  call_id: z.string(),
  kind: z.enum(['image', 'video']),
  model: z.string(),
  prompt: z.string(),
  params: z.record(z.string(), z.unknown()),
  cost_usd: z.number().nullable(),
  basis: z.string(),
  at: z.string(),
});

const JournalAccepted = z.object({
  type: z.literal('accepted'),
  call_id: z.string(),
  task_id: z.string(),
  at: z.string(),
});

/** A fork's journal: what the session it was forked from had spent, counted against the same budget. */
const JournalCarried = z.object({
  type: z.literal('carried'),
  from_session: z.string(),
  spent_usd: z.number(),
  at: z.string(),
});

export const EndStatus = z.enum(['succeeded', 'failed', 'expired', 'timed_out', 'unknown', 'rejected']);
export type EndStatus = z.infer<typeof EndStatus>;

export const JournalEnd = z.object({
  type: z.literal('end'),
  call_id: z.string(),
  status: EndStatus,
  /** What the generation cost: its price once submitted, 0 when the provider refused or failed it. */
  cost_usd: z.number().nullable(),
  files: z.array(z.string()),
  error: z.string().optional(),
  at: z.string(),
});

const JournalLine = z.discriminatedUnion('type', [
  JournalSettings,
  JournalSubmit,
  JournalAccepted,
  JournalEnd,
  JournalCarried,
]);
type JournalLine = z.infer<typeof JournalLine>;
type JournalSettings = z.infer<typeof JournalSettings>;
export type JournalSubmit = z.infer<typeof JournalSubmit>;

/** A submission and what is known of it. */
export interface JournalEntry {
  submit: JournalSubmit;
  taskId?: string;
  end?: z.infer<typeof JournalEnd>;
}

export function journalPath(home: string, sessionId: string): string {
  return path.join(home, 'media', `${sessionId}.jsonl`);
}

/** A journal line as appended (the time is added). */
type JournalRecord = JournalLine extends infer L ? (L extends unknown ? Omit<L, 'at'> : never) : never;

export class MediaJournal {
  private readonly entries = new Map<string, JournalEntry>();
  settings: JournalSettings | undefined;
  /** Spent by the session this one was forked from (and its own ancestors). */
  private carriedUsd = 0;

  private constructor(readonly file: string) {}

  /** Opens (creating) the journal and reads what it holds; a torn last line is ignored. */
  static open(file: string): MediaJournal {
    const journal = new MediaJournal(file);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        if (err instanceof SyntaxError) continue; // a line torn by a crash: it was never acted on
        throw err;
      }
      const parsed = JournalLine.safeParse(value);
      if (parsed.success) journal.apply(parsed.data);
    }
    return journal;
  }

  static exists(file: string): boolean {
    return fs.existsSync(file);
  }

  private apply(line: JournalLine): void {
    switch (line.type) {
      case 'settings':
        this.settings = line;
        break;
      case 'submit':
        this.entries.set(line.call_id, { submit: line });
        break;
      case 'accepted': {
        const entry = this.entries.get(line.call_id);
        if (entry) entry.taskId = line.task_id;
        break;
      }
      case 'carried':
        this.carriedUsd += line.spent_usd;
        break;
      case 'end': {
        const entry = this.entries.get(line.call_id);
        if (entry) entry.end = line;
        break;
      }
    }
  }

  /** Appends `record` and waits for it to reach the disk (fsync) before returning. */
  append(record: JournalRecord): void {
    const line = { ...record, at: new Date().toISOString() } as JournalLine;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(line)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.apply(line);
  }

  get all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  entry(callId: string): JournalEntry | undefined {
    return this.entries.get(callId);
  }

  /** Submissions without an end: in flight when the process stopped. */
  unfinished(): JournalEntry[] {
    return this.all.filter((entry) => !entry.end);
  }

  /** What generations have cost so far (unknown prices count nothing; see `unpriced`). */
  spentUsd(): number {
    let total = this.carriedUsd;
    for (const { submit, end } of this.entries.values()) total += (end ? end.cost_usd : submit.cost_usd) ?? 0;
    return total;
  }
}
