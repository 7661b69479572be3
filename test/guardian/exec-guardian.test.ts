/**
 * The guardian end to end: the built `spool exec` with `approvals_reviewer = "auto_review"`, one
 * emulator playing both the agent's model and the guardian's (each conversation from its own
 * script). Judged by what ran (files made or not), what each model was sent, and what exec shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyPatchCall,
  byConversation,
  type ConversationScript,
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  serverError500,
  startEmulator,
} from '../emulator/index.js';
import { perTestScratch } from '../support/scratch.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';

let emulator: Emulator | undefined;
const { dir, removeAfter, use } = perTestScratch();

const isGuardian = (r: RecordedRequest) => r.bodyText.includes('You review actions a coding agent wants');

/** A shell call that asks to leave the sandbox (so on-request asks for approval). */
function escalated(command: string, justification = 'needed for the task'): ReturnType<typeof call> {
  return call('shell', {
    command: ['bash', '-c', command],
    sandbox_permissions: 'require_escalated',
    justification,
  });
}

function verdict(
  outcome: 'allow' | 'deny' | 'escalate',
  rationale: string,
  risk: 'low' | 'medium' | 'high' = outcome === 'allow' ? 'low' : 'high',
): Step {
  return respond(
    say(JSON.stringify({ risk_level: risk, user_authorization: 'explicit', outcome, rationale })),
  );
}

async function start(agent: Step[], guardian: Step[]): Promise<ConversationScript> {
  const script = byConversation([
    { name: 'guardian', match: isGuardian, steps: guardian },
    { name: 'agent', match: () => true, steps: agent },
  ]);
  emulator = use(await startEmulator({ script }));
  return script;
}

function setup(config = '') {
  const home = dir('spool-guardian-home-');
  const work = dir('spool-guardian-work-');
  fs.writeFileSync(path.join(home, 'config.toml'), `approvals_reviewer = "auto_review"\n${config}`);
  return { home, work };
}

function env(home: string): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: emulator!.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home };
}

function toolOutputs(request: RecordedRequest | undefined): string[] {
  const input = (request?.body?.input ?? []) as Array<Record<string, unknown>>;
  return input.filter((i) => i.type === 'function_call_output').map((i) => String(i.output));
}

type Review = {
  type: string;
  status: string;
  rationale: string | null;
  risk_level: string | null;
  action: { display: string };
};

function reviews(stdout: string): Review[] {
  return jsonLines(stdout)
    .filter((l) => l.type === 'item.completed')
    .map((l) => l.item as Review)
    .filter((i) => i.type === 'auto_approval_review');
}

const FULL_AUTO = ['exec', '--skip-git-repo-check', '--full-auto'];

describe('spool exec with approvals_reviewer = "auto_review"', () => {
  it('allows and denies without a human, shows why, and reuses one cached guardian context', async () => {
    const { home, work } = setup();
    const script = await start(
      [
        respond(escalated('echo ok > allowed.txt', 'write the file the user asked for')),
        respond(escalated('echo no > denied.txt')),
        respond(say('done')),
      ],
      [
        verdict('allow', 'The user asked for allowed.txt.'),
        verdict('deny', 'Nothing in the request asks for denied.txt.'),
      ],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'please create allowed.txt'], {
      env: env(home),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'allowed.txt'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'denied.txt'))).toBe(false);

    // Visible: one review item per decision, with its rationale, in exec --json.
    expect(reviews(run.stdout).map((r) => [r.status, r.risk_level, r.rationale])).toEqual([
      ['approved', 'low', 'The user asked for allowed.txt.'],
      ['denied', 'high', 'Nothing in the request asks for denied.txt.'],
    ]);
    // The agent's model is told the denial and why; the command did not run.
    const agent = script.requestsOf('agent');
    expect(agent).toHaveLength(3);
    expect(toolOutputs(agent[2]).at(-1)).toMatch(/Nothing in the request asks for denied\.txt/);
    // …and who decided: the reviewer, not a person.
    expect(toolOutputs(agent[2]).at(-1)).toMatch(
      /^exec command rejected by the automatic approval reviewer: /,
    );

    // The guardian: one conversation, its second request a byte-exact extension of the first,
    // answered from the prefix cache; structured output; only read-only tools.
    const guardian = script.requestsOf('guardian');
    expect(guardian).toHaveLength(2);
    const [first, second] = guardian as [RecordedRequest, RecordedRequest];
    expect(second.body?.prompt_cache_key).toBe(first.body?.prompt_cache_key);
    expect(second.body?.prompt_cache_key).not.toBe(agent[0]?.body?.prompt_cache_key);
    const firstInput = first.body?.input as unknown[];
    const secondInput = second.body?.input as unknown[];
    expect(secondInput.slice(0, firstInput.length)).toEqual(firstInput);
    expect(second.bodyText.startsWith(first.bodyText.slice(0, first.bodyText.indexOf('"input"')))).toBe(true);
    expect(second.cachedTokens).toBeGreaterThan(0);
    const format = (first.body?.text as { format?: Record<string, unknown> } | undefined)?.format;
    expect(format).toMatchObject({ type: 'json_schema', strict: true });
    const tools = ((first.body?.tools ?? []) as Array<{ name?: string }>).map((t) => t.name);
    expect(tools).toEqual(['shell']);
    // It saw the user's request and the exact action.
    expect(first.bodyText).toContain('please create allowed.txt');
    expect(first.bodyText).toContain('echo ok > allowed.txt');
    expect(second.bodyText).toContain('echo no > denied.txt');
    expect(emulator!.problems).toEqual([]);

    // Recorded: the session log keeps both decisions, and `spool sessions show` shows them.
    const logs = fs
      .readdirSync(path.join(home, 'sessions'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl'));
    expect(logs).toHaveLength(1);
    const lines = fs
      .readFileSync(path.join(home, 'sessions', logs[0] ?? ''), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; payload: { type?: string; item?: Review } });
    const recorded = lines.flatMap((l) =>
      l.payload.type === 'item.completed' && l.payload.item?.type === 'auto_approval_review'
        ? [l.payload.item]
        : [],
    );
    expect(recorded.map((r) => [r.status, r.rationale])).toEqual([
      ['approved', 'The user asked for allowed.txt.'],
      ['denied', 'Nothing in the request asks for denied.txt.'],
    ]);
    const threadId = String(jsonLines(run.stdout).find((l) => l.type === 'thread.started')?.thread_id);
    const shown = await runSpool(['sessions', 'show', threadId], { env: env(home) });
    expect(shown.stdout).toContain(
      "Approval review by the guardian: denied `bash -c 'echo no > denied.txt'` — Nothing in the request asks for denied.txt.",
    );
  });

  it('shows each decision and its rationale on stderr (human output)', async () => {
    const { home, work } = setup();
    await start(
      [respond(escalated('echo ok > a.txt')), respond(say('done'))],
      [verdict('allow', 'Creating a.txt is what the user wants.')],
    );
    const run = await runSpool([...FULL_AUTO, '-C', work, 'make a.txt'], { env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /guardian approved: .*echo ok > a\.txt.* \(risk low, authorization explicit\)\n\s+↳ Creating a\.txt is what the user wants\./,
    );
    expect(run.stdout).toBe('done\n');
  });

  it('fails closed: malformed answers, a timeout and persistent errors deny; nothing runs', async () => {
    const { home, work } = setup('[auto_review]\ntimeout_sec = 1\n');
    const script = await start(
      [
        respond(escalated('echo 1 > one.txt')),
        respond(escalated('echo 2 > two.txt')),
        respond(escalated('echo ok > fine.txt')),
        respond(escalated('echo 3 > three.txt')),
        respond(escalated('echo 4 > four.txt')),
        respond(say('gave up')),
      ],
      [
        respond(say('{"outcome": "allow", "risk_level": "low"')), // not JSON
        respond(say('{"outcome":"allow","risk_level":"low","user_authorization":"explicit"}')), // no rationale
        verdict('allow', 'Fine.'), // breaks the run of denials (the circuit breaker counts 3 in a row)
        respond(
          say(
            JSON.stringify({
              risk_level: 'low',
              user_authorization: 'explicit',
              outcome: 'allow',
              rationale: 'late',
            }),
          ),
          { eventDelayMs: 400 },
        ),
        serverError500(),
        serverError500(),
        serverError500(),
      ],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'write some files'], {
      env: env(home),
    });
    expect(run.code, run.stderr).toBe(0);
    for (const name of ['one', 'two', 'three', 'four']) {
      expect(fs.existsSync(path.join(work, `${name}.txt`))).toBe(false);
    }
    expect(fs.existsSync(path.join(work, 'fine.txt'))).toBe(true);
    const found = reviews(run.stdout);
    expect(found.map((r) => r.status)).toEqual(['denied', 'denied', 'approved', 'timed_out', 'denied']);
    expect(found[0]?.rationale).toMatch(/not JSON.*denied/);
    expect(found[1]?.rationale).toMatch(/wrong shape \(rationale: .*\).*denied/);
    expect(found[3]?.rationale).toMatch(/did not answer within 1 s.*denied/);
    expect(found[4]?.rationale).toMatch(/failed.*denied/);
    // Transient errors are retried (three attempts) before the review fails.
    expect(script.requestsOf('guardian')).toHaveLength(7);
    expect(run.stderr).toMatch(
      /warning: the automatic reviewer did not answer within 1 s; the action was denied\./,
    );
    const outputs = toolOutputs(script.requestsOf('agent')[5]);
    expect(outputs).toHaveLength(5);
    expect(outputs.filter((o) => /denied/.test(o))).toHaveLength(4);
  }, 60_000);

  it('a transient guardian error is retried and the review goes on', async () => {
    const { home, work } = setup();
    await start(
      [respond(escalated('echo ok > a.txt')), respond(say('done'))],
      [serverError500(), verdict('allow', 'Fine.')],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'make a.txt'], { env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'a.txt'))).toBe(true);
    expect(reviews(run.stdout).map((r) => r.status)).toEqual(['approved']);
  });

  it('escalate with no one attached is a denial with the rationale', async () => {
    const { home, work } = setup();
    const script = await start(
      [respond(escalated('echo x > maybe.txt')), respond(say('ok'))],
      [verdict('escalate', 'Only the user can say whether maybe.txt may be written.', 'medium')],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'do it'], { env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'maybe.txt'))).toBe(false);
    const [review] = reviews(run.stdout);
    expect(review?.status).toBe('denied');
    expect(review?.rationale).toMatch(/no one is attached.*Only the user can say/);
    expect(toolOutputs(script.requestsOf('agent')[1]).at(-1)).toMatch(
      /escalated this action and no one could be asked.*Only the user can say/,
    );
    expect(run.stderr).not.toMatch(/declined \(non-interactive\)/);
  });

  it('the circuit breaker stops the turn after three denials in a row, saying so', async () => {
    const { home, work } = setup();
    const script = await start(
      [
        respond(escalated('echo 1 > a')),
        respond(escalated('echo 2 > b')),
        respond(escalated('echo 3 > c')),
        respond(escalated('echo 4 > d')),
        respond(say('never reached')),
      ],
      [
        verdict('deny', 'No.'),
        verdict('deny', 'Still no.'),
        verdict('deny', 'Again no.'),
        verdict('allow', 'x'),
      ],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'go'], { env: env(home) });
    expect(run.stderr).toMatch(/denied 3 actions in a row, so the turn was stopped/);
    const events = jsonLines(run.stdout).map((l) => l.type);
    expect(events).not.toContain('turn.completed');
    expect(run.code).not.toBe(0);
    expect(script.requestsOf('agent')).toHaveLength(3);
    expect(script.requestsOf('guardian')).toHaveLength(3);
    expect(reviews(run.stdout).map((r) => r.status)).toEqual(['denied', 'denied', 'denied']);
  });

  it('reviews patches outside the writable roots (with their diff) and on-failure re-runs', async () => {
    const { home, work } = setup();
    const outside = fs.mkdtempSync('/var/tmp/spool-guardian-outside-');
    removeAfter(outside);
    const patch = (file: string, line: string) =>
      `*** Begin Patch\n*** Add File: ${path.join(outside, file)}\n+${line}\n*** End Patch`;
    const script = await start(
      [
        respond(applyPatchCall(patch('yes.txt', 'allowed line'))),
        respond(applyPatchCall(patch('no.txt', 'denied line'))),
        respond(say('done')),
      ],
      [verdict('allow', 'The user wants yes.txt.'), verdict('deny', 'no.txt was not asked for.')],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'write yes.txt outside'], {
      env: env(home),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(outside, 'yes.txt'), 'utf8')).toBe('allowed line\n');
    expect(fs.existsSync(path.join(outside, 'no.txt'))).toBe(false);
    expect(reviews(run.stdout).map((r) => r.status)).toEqual(['approved', 'denied']);
    const [first] = script.requestsOf('guardian');
    expect(first?.bodyText).toContain('"tool\\": \\"apply_patch\\"');
    expect(first?.bodyText).toContain('+allowed line');

    // on-failure: the sandbox refuses the write, the re-run outside it is the guardian's to decide.
    const again = setup();
    await emulator?.close();
    const rerun = await start(
      [
        respond(call('shell', { command: ['bash', '-c', 'echo hi > /var/tmp/$(basename $PWD).txt'] })),
        respond(say('ok')),
      ],
      [verdict('allow', 'Writing that file is the task.')],
    );
    const target = path.join('/var/tmp', `${path.basename(again.work)}.txt`);
    removeAfter(target);
    const failed = await runSpool(
      [
        'exec',
        '--skip-git-repo-check',
        '--json',
        '-s',
        'read-only',
        '-a',
        'on-failure',
        '-C',
        again.work,
        'write it',
      ],
      { env: env(again.home) },
    );
    expect(failed.code, failed.stderr).toBe(0);
    expect(rerun.requestsOf('guardian')).toHaveLength(1);
    expect(fs.readFileSync(target, 'utf8')).toBe('hi\n');
    expect(reviews(failed.stdout).map((r) => r.status)).toEqual(['approved']);
  });

  it('the guardian may look around with read-only commands, but cannot write', async () => {
    const { home, work } = setup();
    fs.writeFileSync(path.join(work, 'notes.txt'), 'the user wants out.txt\n');
    const script = await start(
      [respond(escalated('echo ok > out.txt')), respond(say('done'))],
      [
        respond(
          call('shell', { command: ['bash', '-c', 'cat notes.txt; echo hacked > guardian-was-here.txt'] }),
        ),
        verdict('allow', 'notes.txt says the user wants out.txt.'),
      ],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'make out.txt'], { env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'out.txt'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'guardian-was-here.txt'))).toBe(false);
    const [, answered] = script.requestsOf('guardian');
    const output = toolOutputs(answered).join('\n');
    expect(output).toContain('the user wants out.txt');
    expect(output).toMatch(/Read-only file system|Permission denied/);
  });

  it('is switched on from a profile or -c as well as config.toml', async () => {
    const home = dir('spool-guardian-home-');
    const work = dir('spool-guardian-work-');
    fs.writeFileSync(path.join(home, 'config.toml'), '[profiles.ci]\napprovals_reviewer = "auto_review"\n');
    for (const args of [
      ['-p', 'ci'],
      ['-c', 'approvals_reviewer=auto_review'],
    ]) {
      await emulator?.close();
      const script = await start(
        [respond(escalated(`echo ok > ${args[0] === '-p' ? 'p' : 'c'}.txt`)), respond(say('done'))],
        [verdict('allow', 'ok')],
      );
      const run = await runSpool([...FULL_AUTO, ...args, '--json', '-C', work, 'go'], { env: env(home) });
      expect(run.code, run.stderr).toBe(0);
      expect(script.requestsOf('guardian')).toHaveLength(1);
    }
    expect(fs.existsSync(path.join(work, 'p.txt'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'c.txt'))).toBe(true);
    // Without the key, the human is asked (and with no one there, nothing runs).
    await emulator?.close();
    const script = await start([respond(escalated('echo ok > none.txt')), respond(say('done'))], []);
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'go'], { env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(script.requestsOf('guardian')).toHaveLength(0);
    expect(fs.existsSync(path.join(work, 'none.txt'))).toBe(false);
    const bad = await runSpool([...FULL_AUTO, '-c', 'approvals_reviewer=robot', '-C', work, 'go'], {
      env: env(home),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/approvals_reviewer/);
  });

  it('an interrupt during a review stops the turn; the action never runs', async () => {
    const { home, work } = setup();
    const script = await start(
      [respond(escalated('echo ok > late.txt')), respond(say('unreached'))],
      [
        respond(
          say(
            JSON.stringify({
              risk_level: 'low',
              user_authorization: 'explicit',
              outcome: 'allow',
              rationale: 'slow yes',
            }),
          ),
          { eventDelayMs: 500 },
        ),
      ],
    );
    const run = await runSpool([...FULL_AUTO, '--json', '-C', work, 'go'], {
      env: env(home),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (script.requestsOf('guardian').length > 0) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    expect(run.code, run.stderr).toBe(130);
    // Give a late allow time to arrive: it must not run anything.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fs.existsSync(path.join(work, 'late.txt'))).toBe(false);
    expect(reviews(run.stdout).map((r) => r.status)).toEqual(['aborted']);
    expect(script.requestsOf('agent')).toHaveLength(1);
  });
});
