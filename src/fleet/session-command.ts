/**
 * The command a job runs — the real `spool` binary: `spool exec --json` for a new exec job,
 * `spool exec resume ID --json` to continue a checkpointed one, `spool exec review --json` for a
 * review — and what its JSON lines (the `codex exec --json` format) say about the run. Pure.
 */

import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import type { JobData } from './job.js';

/** The prompt a resumed run continues with: the model sees its own history up to the loss. */
export const CONTINUE_PROMPT =
  'This task was interrupted because the machine running it stopped, and it has been resumed from its log on another machine. Continue the task where you left off. Commands whose output says "aborted" did not finish; check their effects before running them again.';

export interface SessionCommandInput {
  job: JobData;
  /** The job's working copy. */
  cwd: string;
  /** Continue this session (exec jobs). */
  resumeSessionId?: string;
  /** The review's target when it has no base: the checked-out commit. */
  commit: string;
  /** Configuration arguments of the worker itself (`-p`, `-c`), which the job's own `-c` override. */
  baseArgs: string[];
  /** `-c` overrides the worker adds after the job's own (provider routing). */
  extraConfig: string[];
}

export interface SessionCommand {
  args: string[];
  /** What goes to the child's stdin (the prompt, so no prompt text is ever parsed as an option). */
  stdin: string;
}

/** The `-c` overrides of a job: its own, then its budget, then the worker's. */
function jobOverrides(job: JobData, extra: string[]): string[] {
  const budget = job.budget_usd === undefined ? [] : [`max_cost_usd=${job.budget_usd}`];
  return [...job.config, ...budget, ...extra].flatMap((value) => ['-c', value]);
}

export function sessionCommand(input: SessionCommandInput): SessionCommand {
  const { job } = input;
  const common = [
    '--json',
    '--skip-git-repo-check',
    '-C',
    input.cwd,
    ...input.baseArgs,
    ...jobOverrides(job, input.extraConfig),
  ];
  if (job.kind === 'review') {
    const target = job.base ? ['--base', job.base] : ['--commit', input.commit];
    return job.prompt
      ? { args: ['exec', 'review', ...target, ...common, '-'], stdin: job.prompt }
      : { args: ['exec', 'review', ...target, ...common], stdin: '' };
  }
  if (input.resumeSessionId)
    return { args: ['exec', 'resume', input.resumeSessionId, ...common, '-'], stdin: CONTINUE_PROMPT };
  return { args: ['exec', ...common, '-'], stdin: job.prompt ?? '' };
}

/** What a run's JSON lines told: the session, the last message, usage, errors, review findings. */
export class RunReport {
  sessionId: string | undefined;
  finalMessage: string | null = null;
  usage: Usage = emptyUsage();
  /** The turns' cost so far; undefined until a turn reports one, null once one is unknown. */
  private cost: number | null | undefined;
  findings: unknown;
  errors: string[] = [];
  turnFailed = false;

  /** Takes one line of stdout; lines that are not JSON objects are ignored. */
  line(text: string): void {
    let event: Record<string, unknown>;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
      event = parsed as Record<string, unknown>;
    } catch (err) {
      if (err instanceof SyntaxError) return;
      throw err;
    }
    const item = event.item as Record<string, unknown> | undefined;
    switch (event.type) {
      case 'thread.started':
        if (typeof event.thread_id === 'string') this.sessionId = event.thread_id;
        break;
      case 'item.completed':
        if (item?.type === 'agent_message' && typeof item.text === 'string') this.finalMessage = item.text;
        break;
      case 'turn.completed': {
        const usage = (event.usage ?? {}) as Record<string, unknown>;
        const n = (key: string) => (typeof usage[key] === 'number' ? (usage[key] as number) : 0);
        this.usage = addUsage(this.usage, {
          input_tokens: n('input_tokens'),
          cached_input_tokens: n('cached_input_tokens'),
          output_tokens: n('output_tokens'),
          reasoning_output_tokens: n('reasoning_output_tokens'),
        });
        this.addCost(event.cost);
        break;
      }
      case 'turn.failed':
        this.turnFailed = true;
        this.addCost(event.cost);
        break;
      case 'error':
        if (typeof event.message === 'string') this.errors.push(event.message);
        break;
    }
    // Review output (`exited_review_mode`): the findings and the verdict, as data.
    if (item?.type === 'exited_review_mode' || Array.isArray(item?.findings)) {
      const { id: _id, type: _type, review: _rendered, ...review } = item as Record<string, unknown>;
      if (Array.isArray(review.findings)) this.findings = review;
    }
  }

  /** Spool's `cost` on turn ends (`usd: null` when the model's price is unknown). */
  private addCost(cost: unknown): void {
    if (cost === null || typeof cost !== 'object' || !('usd' in cost)) return;
    const usd = (cost as { usd: unknown }).usd;
    if (this.cost === null) return;
    this.cost = typeof usd === 'number' ? (this.cost ?? 0) + usd : null;
  }

  /** The session's cost in USD; null when unknown (no turn reported one, or a price was unknown). */
  get costUsd(): number | null {
    return this.cost ?? null;
  }
}
