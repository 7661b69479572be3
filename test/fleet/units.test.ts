/** The fleet's pure parts: the session command, its JSON-lines report, settings, auth helpers. */
import { describe, expect, it } from 'vitest';
import { loadEffectiveConfig } from '../../src/config/runtime.js';
import { isLoopbackHost, tokenMatches } from '../../src/fleet/dashboard.js';
import type { JobData } from '../../src/fleet/job.js';
import { completedTurnMessage } from '../../src/fleet/rollout-follow.js';
import { CONTINUE_PROMPT, RunReport, sessionCommand } from '../../src/fleet/session-command.js';
import { queueSettings, windowCap } from '../../src/fleet/settings.js';
import { isGitUrl } from '../../src/fleet/workspace.js';
import { tempDir } from '../support/thread.js';

const job = (over: Partial<JobData> = {}): JobData => ({
  kind: 'exec',
  repo: '/r',
  ref: 'main',
  prompt: '--not-an-option',
  config: ['model="m"'],
  submitted_at: 'now',
  ...over,
});

describe('the session command of a job', () => {
  const base = { cwd: '/w', commit: 'abc', baseArgs: ['-p', 'fleet'], extraConfig: ['route=1'] };

  it('runs exec with the prompt on stdin, worker args first, then the job, then routing', () => {
    expect(sessionCommand({ ...base, job: job() })).toEqual({
      args: [
        'exec',
        '--json',
        '--skip-git-repo-check',
        '-C',
        '/w',
        '-p',
        'fleet',
        '-c',
        'model="m"',
        '-c',
        'route=1',
        '-',
      ],
      stdin: '--not-an-option',
    });
  });

  it('resumes a checkpointed session with the continuation prompt', () => {
    const command = sessionCommand({ ...base, job: job(), resumeSessionId: 'sess-1' });
    expect(command.args.slice(0, 3)).toEqual(['exec', 'resume', 'sess-1']);
    expect(command.args.at(-1)).toBe('-');
    expect(command.stdin).toBe(CONTINUE_PROMPT);
  });

  it('maps the budget to the max_cost_usd setting', () => {
    const args = sessionCommand({ ...base, job: job({ budget_usd: 2.5 }) }).args;
    expect(args.join(' ')).toContain('-c model="m" -c max_cost_usd=2.5 -c route=1');
  });

  it('reviews against the base branch, else the checked-out commit', () => {
    expect(
      sessionCommand({ ...base, job: job({ kind: 'review', base: 'main', prompt: undefined }) }).args.slice(
        0,
        4,
      ),
    ).toEqual(['exec', 'review', '--base', 'main']);
    const own = sessionCommand({ ...base, job: job({ kind: 'review', prompt: 'focus on SQL' }) });
    expect(own.args.slice(0, 4)).toEqual(['exec', 'review', '--commit', 'abc']);
    expect(own.stdin).toBe('focus on SQL');
  });
});

describe('the report of a run', () => {
  it('takes the session, last message, usage, errors and findings from exec --json lines', () => {
    const report = new RunReport();
    for (const line of [
      '{"type":"thread.started","thread_id":"t-1"}',
      'not json',
      '[1,2]',
      '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"first"}}',
      '{"type":"error","message":"Reconnecting… 1/5"}',
      '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"last"}}',
      '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":3,"reasoning_output_tokens":1}}',
      '{"type":"item.completed","item":{"id":"item_2","type":"exited_review_mode","review":"# Review","review_id":"r-1","findings":[{"title":"x"}],"overall_correctness":"patch is correct","notes":[]}}',
    ])
      report.line(line);
    expect(report.sessionId).toBe('t-1');
    expect(report.finalMessage).toBe('last');
    expect(report.usage).toEqual({
      input_tokens: 10,
      cached_input_tokens: 4,
      output_tokens: 3,
      reasoning_output_tokens: 1,
    });
    expect(report.costUsd).toBeNull();
    expect(report.errors).toEqual(['Reconnecting… 1/5']);
    expect(report.findings).toEqual({
      review_id: 'r-1',
      findings: [{ title: 'x' }],
      overall_correctness: 'patch is correct',
      notes: [],
    });
  });

  it("sums the turns' cost, and keeps it unknown once a price was unknown", () => {
    const turn = (usd: number | null) =>
      JSON.stringify({ type: 'turn.completed', usage: {}, cost: { usd, uncached_input_usd: usd } });
    const known = new RunReport();
    known.line(turn(0.25));
    known.line(JSON.stringify({ type: 'turn.failed', error: { message: 'cap' }, cost: { usd: 0.5 } }));
    expect(known.costUsd).toBe(0.75);
    const unknown = new RunReport();
    for (const line of [turn(0.25), turn(null), turn(1)]) unknown.line(line);
    expect(unknown.costUsd).toBeNull();
  });
});

describe('queue settings from the configuration layers', () => {
  const settingsWith = (config: string[], env: NodeJS.ProcessEnv = {}) => {
    const home = tempDir();
    return queueSettings(loadEffectiveConfig({ config }, { ...env, SPOOL_HOME: home }), {
      ...env,
      SPOOL_HOME: home,
    });
  };

  it('uses queue.redis_url, else SPOOL_REDIS_URL, else the local default', () => {
    expect(settingsWith([]).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(settingsWith([], { SPOOL_REDIS_URL: 'redis://env:1' }).redisUrl).toBe('redis://env:1');
    const configured = settingsWith(['queue.redis_url="redis://cfg:2"'], {
      SPOOL_REDIS_URL: 'redis://env:1',
    });
    expect(configured).toMatchObject({ redisUrl: 'redis://cfg:2', redisUrlSource: '-c' });
  });

  it('reads the queue name, prefix, attempts and per-provider caps', () => {
    const settings = settingsWith([
      'queue.name="reviews"',
      'queue.prefix="acme"',
      'queue.attempts=5',
      'queue.rate_limits.openai.requests_per_minute=600',
      'queue.rate_limits.openai.window_ms=10000',
    ]);
    expect(settings).toMatchObject({ name: 'reviews', prefix: 'acme', attempts: 5 });
    expect(settings.rateLimits.openai).toEqual({ max: 100, windowMs: 10_000 });
  });

  it('rejects a bad queue name with the key that is wrong', () => {
    expect(() => settingsWith(['queue.name="a b"'])).toThrow(/queue\.name/);
  });

  it('caps at least one request per window', () => {
    expect(windowCap(30, 1000)).toBe(1);
    expect(windowCap(120, 1000)).toBe(2);
    expect(windowCap(500, 60_000)).toBe(500);
  });
});

describe('helpers', () => {
  it('tells loopback hosts from others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cre', 's3cret')).toBe(false);
    expect(tokenMatches(undefined, 's3cret')).toBe(false);
  });

  it('tells git URLs from paths', () => {
    for (const url of [
      'https://github.com/a/b.git',
      'ssh://git@host/x',
      'git@github.com:a/b.git',
      'file:///srv/repo',
    ])
      expect(isGitUrl(url)).toBe(true);
    for (const dir of ['/srv/repo', './repo', 'repo', 'C:/x']) expect(isGitUrl(dir)).toBe(false);
  });

  it('finds the final message of a rollout whose last turn completed', () => {
    const line = (type: string, payload: unknown) => JSON.stringify({ timestamp: 't', type, payload });
    const answer = {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'all done' }],
    };
    const turn = [
      line('turn_context', {}),
      line('received', answer),
      line('event', { type: 'turn.completed' }),
    ];
    expect(completedTurnMessage(`${turn.join('\n')}\n`)).toEqual({ message: 'all done' });
    expect(completedTurnMessage(`${[...turn, line('turn_context', {})].join('\n')}\n`)).toBeUndefined();
    expect(completedTurnMessage(`${turn.slice(0, 2).join('\n')}\n`)).toBeUndefined();
  });
});
