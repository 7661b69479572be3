/**
 * `spool stats` over a fixture session store: rollout files written here line by line as Spool
 * records them (meta, turn contexts, kept events), then read by the built binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

type Json = Record<string, unknown>;

const usage = (input: number, cached: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_output_tokens: 0,
});
const cost = (usd: number | null) => ({
  usd,
  uncached_input_usd: usd,
  cached_input_usd: usd === null ? null : 0,
  output_usd: usd === null ? null : 0,
});

function usageEvent(input: number, cached: number, output: number, usd: number | null): Json {
  const u = usage(input, cached, output);
  return {
    type: 'usage.updated',
    turn_id: 't',
    last: u,
    turn: u,
    thread: u,
    context_tokens: 0,
    context_window: 1000,
    cost: { last: cost(usd), turn: cost(usd), thread: cost(usd) },
  };
}

function command(exitCode: number): Json {
  return {
    type: 'item.completed',
    turn_id: 't',
    item: {
      id: 'i',
      type: 'command_execution',
      command: 'x',
      aggregated_output: '',
      exit_code: exitCode,
      status: exitCode === 0 ? 'completed' : 'failed',
    },
  };
}

/** Writes a rollout into `home`'s store: its meta line, one turn context per turn, its events. */
function writeSession(
  home: string,
  id: string,
  started: string,
  model: string,
  cwd: string,
  events: Json[],
): void {
  const at = new Date(started);
  const dir = path.join(home, 'sessions', started.slice(0, 4), started.slice(5, 7), started.slice(8, 10));
  fs.mkdirSync(dir, { recursive: true });
  const stamp = started.slice(0, 19).replace(/:/g, '-');
  const line = (type: string, payload: unknown) =>
    `${JSON.stringify({ timestamp: at.toISOString(), type, payload })}\n`;
  let text = line('session_meta', {
    format_version: 1,
    id,
    timestamp: started,
    cwd,
    model,
    model_provider: 'openai',
    spool_version: '0.1.0',
  });
  for (const event of events) {
    if (event.type === 'turn.started') text += line('turn_context', { turn_id: 't', cwd, model });
    else text += line('event', event);
  }
  fs.writeFileSync(path.join(dir, `rollout-${stamp}-${id}.jsonl`), text);
}

const turnStart = { type: 'turn.started' };
const completed = { type: 'turn.completed', turn_id: 't', usage: usage(0, 0, 0) };

function fixtureStore(): string {
  const home = tempDir('spool-stats-');
  const recent = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const older = new Date(Date.now() - 30 * 86_400_000).toISOString();
  writeSession(home, '00000000-0000-7000-8000-000000000001', recent, 'gpt-5', '/repo/a', [
    turnStart,
    usageEvent(1000, 800, 100, 0.002),
    command(0),
    command(1),
    {
      type: 'stream.retrying',
      turn_id: 't',
      attempt: 1,
      max_attempts: 4,
      delay_ms: 1,
      message: 'r',
      kind: 'rate_limit',
      status: 429,
    },
    usageEvent(1200, 1000, 50, 0.001),
    { type: 'approval.resolved', turn_id: 't', id: 'a', decision: 'approved' },
    completed,
    turnStart,
    {
      type: 'turn.failed',
      turn_id: 't',
      usage: usage(0, 0, 0),
      error: { message: 'cap', kind: 'budget_exceeded' },
    },
  ]);
  writeSession(home, '00000000-0000-7000-8000-000000000002', recent, 'local-model', '/repo/b', [
    turnStart,
    usageEvent(500, 0, 20, null),
    { type: 'approval.resolved', turn_id: 't', id: 'b', decision: 'denied' },
    { type: 'turn.interrupted', turn_id: 't', usage: usage(0, 0, 0) },
  ]);
  writeSession(home, '00000000-0000-7000-8000-000000000003', older, 'gpt-5', '/repo/a', [
    turnStart,
    usageEvent(4000, 0, 400, 0.01),
    completed,
  ]);
  return home;
}

describe('spool stats', () => {
  it('reports rates, retries and causes, tools, approvals, cache hits, tokens and cost, by model', async () => {
    const home = fixtureStore();
    const run = await runSpool(['stats', '--since', '7d', '--by', 'model', '--json'], {
      env: { SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.total).toMatchObject({
      sessions: 2,
      turns: { total: 3, completed: 1, failed: 1, interrupted: 1 },
      failures: { budget_exceeded: 1 },
      retries: { total: 1, causes: { rate_limit: 1 } },
      tools: { calls: 2, errors: 1 },
      approvals: { approved: 1, denied: 1 },
      tokens: { input: 2700, cached_input: 1800, output: 170 },
      requests: 3,
    });
    expect(report.total.cost.usd).toBeCloseTo(0.003, 12);
    expect(report.total.cost.unpriced_requests).toBe(1);
    expect(report.total.rates.completed).toBeCloseTo(1 / 3, 12);
    expect(report.total.rates.tool_errors).toBe(0.5);
    expect(report.total.rates.cache_hits).toBeCloseTo(1800 / 2700, 12);
    expect(report.groups.map((g: Json) => g.key)).toEqual(['gpt-5', 'local-model']);

    const all = JSON.parse(
      (await runSpool(['stats', '--json', '--by', 'repo'], { env: { SPOOL_HOME: home } })).stdout,
    );
    expect(all.total.sessions).toBe(3);
    expect(all.groups.map((g: Json) => [g.key, g.sessions])).toEqual([
      ['/repo/a', 2],
      ['/repo/b', 1],
    ]);
  });

  it('draws bars in the terminal and writes a self-contained HTML report with charts', async () => {
    const home = fixtureStore();
    const text = await runSpool(['stats', '--by', 'day'], { env: { SPOOL_HOME: home } });
    expect(text.stdout).toMatch(/completed\s+█+░+ 50\.0%/);
    expect(text.stdout).toContain('retries      1 (rate_limit 1)');
    expect(text.stdout).toContain('cost ≥$0.0130');

    const file = path.join(tempDir(), 'stats.html');
    const html = await runSpool(['stats', '--html', file], { env: { SPOOL_HOME: home } });
    expect(html.code, html.stderr).toBe(0);
    const page = fs.readFileSync(file, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg role="img" aria-label="Cache hit ratio"');
    expect(page).not.toMatch(/<script src=|<link /);
    const embedded = JSON.parse(
      /<script type="application\/json" id="spool-stats">(.*)<\/script>/s.exec(page)![1]!,
    );
    expect(embedded.total.sessions).toBe(3);
  });

  it('refuses a --since or --by it cannot read', async () => {
    const home = tempDir('spool-stats-');
    const since = await runSpool(['stats', '--since', 'yesterday'], { env: { SPOOL_HOME: home } });
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since yesterday: expected a duration such as 7d');
    const by = await runSpool(['stats', '--by', 'user'], { env: { SPOOL_HOME: home } });
    expect(by.code).toBe(2);
  });
});
