/**
 * `spool review` / `spool exec review` through the built binary against a scripted reviewer (the
 * emulator): each target kind, each output format, findings checked against the repository, the
 * `--fail-on` gate, answers read leniently and asked for again, the reviewer's writes refused, the
 * fleet's invocation, feedback and stats.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyPatchCall,
  type Emulator,
  respond,
  type Step,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { jsonLines, runSpool, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { DIVIDE_BY_ZERO, type Fixture, finding, git, MATH_AFTER, makeRepo, reviewAnswer } from './helpers.js';
import { sarifProblems } from './sarif-schema.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface Setup {
  fx: Fixture;
  env: NodeJS.ProcessEnv;
  home: string;
  emu: Emulator;
}

async function setup(script: Step[]): Promise<Setup> {
  const fx = makeRepo();
  emulator = await startEmulator({ script });
  const home = tempDir('spool-home-');
  return {
    fx,
    home,
    emu: emulator,
    env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
  };
}

type Json = Record<string, unknown>;

/** The user message text of a recorded request (the review prompt is the last user message). */
function lastUserText(request: { body?: unknown }): string {
  const input = ((request.body as Json).input as Json[]).filter(
    (i) => i.type === 'message' && i.role === 'user',
  );
  const content = input.at(-1)!.content as Array<{ text: string }>;
  return content.map((c) => c.text).join('');
}

function toolNames(request: { body?: unknown }): string[] {
  return ((request.body as Json).tools as Json[]).map((t) => String(t.name));
}

function outputsOf(request: { body?: unknown }): string[] {
  return ((request.body as Json).input as Json[])
    .filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output')
    .map((i) => String(i.output));
}

const BOGUS = finding({ title: 'Made-up file', priority: 0, path: 'src/ghost.ts', start: 3 });
const PAST_END = finding({ title: 'Past the end', priority: 0, path: 'src/math.ts', start: 40, end: 41 });
const USE_SITE = finding({ title: 'Caller divides by zero', priority: 2, path: 'src/use.ts', start: 2 });

// Each test runs the built binary (or a whole server) several times: more than the default 30 s under load.
describe('spool review (the built binary)', { timeout: 120_000 }, () => {
  it('reviews against a base branch: Markdown with [P1] tags, invalid findings dropped, a read-only reviewer that reads beyond the diff', async () => {
    const { fx, env, emu } = await setup([
      respond(shellCall('grep -rn "ratio(" src')),
      respond(reviewAnswer([DIVIDE_BY_ZERO, BOGUS, PAST_END])),
    ]);
    const run = await runSpool(['review', '--base', 'main', '-C', fx.repo], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("## Review: changes against 'main'");
    expect(run.stdout).toMatch(/^1\. \*\*\[P1\] Guard against b = 0 in ratio\*\* — `src\/math.ts:6-7`/m);
    expect(run.stdout).not.toContain('Made-up file**');
    expect(run.stdout).toMatch(/Dropped "Made-up file": src\/ghost.ts is not a file/);
    expect(run.stdout).toMatch(/Dropped "Past the end": src\/math.ts has 8 lines/);
    // The reviewer's command ran (its output reached the model) and progress went to stderr.
    expect(run.stderr).toContain('grep -rn');
    expect(outputsOf(emu.requests[1]!)[0]).toContain('src/use.ts:2:export const r = ratio(1, 0);');

    const first = emu.requests[0]!.body as Json;
    expect(String(first.instructions)).toMatch(/callers/);
    expect(String(first.instructions)).toMatch(/read-only/);
    const prompt = lastUserText(emu.requests[0]!);
    expect(prompt).toContain(`merge base ${fx.baseSha}`);
    expect(prompt).toContain('-  return b === 0 ? 0 : a / b;');
    expect(prompt).toContain('+  return a / b;');
    expect(prompt).toMatch(/callers, tests and configuration/);
    // Structured output where the provider has it; the reviewer has no write tool.
    expect(first.text).toMatchObject({ format: { type: 'json_schema', strict: true } });
    expect(toolNames(emu.requests[0]!)).toEqual(['shell']);
    expect(emu.problems).toEqual([]);
  });

  it('--json: the exec event stream with the findings on the review item, the rendered review last, -o gets the findings', async () => {
    const { fx, env } = await setup([respond(reviewAnswer([DIVIDE_BY_ZERO, USE_SITE]))]);
    const out = path.join(tempDir(), 'findings.json');
    const run = await runSpool(['exec', 'review', '--base', 'main', '--json', '-o', out, '-C', fx.repo], {
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.map((e) => `${e.type}${e.item ? `/${(e.item as Json).type}` : ''}`)).toEqual([
      'thread.started',
      'turn.started',
      'item.completed/entered_review_mode',
      'item.completed/exited_review_mode',
      'item.completed/agent_message',
      'turn.completed',
    ]);
    const reviewId = events[0]!.thread_id as string;
    const exited = events[3]!.item as Json;
    expect(exited).toMatchObject({
      type: 'exited_review_mode',
      review_id: reviewId,
      model: 'gpt-5-codex',
      overall_correctness: 'patch is incorrect',
      overall_confidence: 0.7,
      notes: [],
    });
    expect(exited.findings).toEqual([DIVIDE_BY_ZERO, USE_SITE]);
    expect((events[4]!.item as Json).text).toBe(exited.review);
    expect(exited.review).toContain('[P2] Caller divides by zero');
    expect(events[2]!.item).toMatchObject({ target: { type: 'baseBranch', branch: 'main' } });
    const file = JSON.parse(fs.readFileSync(out, 'utf8')) as Json;
    expect(file).toMatchObject({
      review_id: reviewId,
      status: 'completed',
      findings: [DIVIDE_BY_ZERO, USE_SITE],
    });
  });

  it('reviews uncommitted changes (untracked files included) and a commit (lines of that commit)', async () => {
    const { fx, env, emu } = await setup([
      respond(reviewAnswer([finding({ title: 'Typo in notes', priority: 3, path: 'notes.md', start: 1 })])),
      respond(
        reviewAnswer([finding({ title: 'Zero check gone', priority: 1, path: 'src/math.ts', start: 7 })]),
      ),
    ]);
    fs.writeFileSync(path.join(fx.repo, 'notes.md'), 'teh notes\n');
    fs.appendFileSync(path.join(fx.repo, 'README.md'), 'changed line\n');
    const uncommitted = await runSpool(['review', '--uncommitted', '--format', 'json', '-C', fx.repo], {
      env,
    });
    expect(uncommitted.code, uncommitted.stderr).toBe(0);
    expect(JSON.parse(uncommitted.stdout)).toMatchObject({
      target: { type: 'uncommittedChanges' },
      findings: [{ title: 'Typo in notes' }],
    });
    const prompt = lastUserText(emu.requests[0]!);
    expect(prompt).toContain('+changed line');
    expect(prompt).toContain('+teh notes');

    // Undo the working tree so the commit is what counts.
    git(fx.repo, 'checkout', '--', 'README.md');
    fs.rmSync(path.join(fx.repo, 'notes.md'));
    fs.writeFileSync(path.join(fx.repo, 'src/math.ts'), 'shrunk\n');
    const commit = await runSpool(['exec', 'review', '--commit', fx.featureSha, '--json', '-C', fx.repo], {
      env,
    });
    expect(commit.code, commit.stderr).toBe(0);
    const entered = jsonLines(commit.stdout).find(
      (e) => (e.item as Json | undefined)?.type === 'entered_review_mode',
    );
    expect((entered!.item as Json).review).toBe(
      `commit ${fx.featureSha.slice(0, 7)}: ratio: drop the zero check`,
    );
    const commitPrompt = lastUserText(emu.requests[1]!);
    expect(commitPrompt).toContain(`commit ${fx.featureSha} ("ratio: drop the zero check")`);
    expect(commitPrompt).toContain('+  return a / b;');
    // Line 7 exists in the commit's src/math.ts although the working copy has one line now.
    const exited = jsonLines(commit.stdout).find(
      (e) => (e.item as Json | undefined)?.type === 'exited_review_mode',
    );
    expect((exited!.item as Json).findings).toHaveLength(1);
    expect(fs.readFileSync(path.join(fx.repo, 'src/math.ts'), 'utf8')).toBe('shrunk\n');
  });

  it('nothing changed: says there is nothing to review without asking the model, in every format; custom instructions still ask', async () => {
    const { fx, env, emu } = await setup([respond(reviewAnswer([]))]);
    // A clean working tree on `feature`.
    const clean = await runSpool(['review', '--uncommitted', '-C', fx.repo], { env });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(
      'There are no changes to review: the working tree and the index match HEAD',
    );
    // The branch against itself, and an empty commit, as data for CI.
    const same = await runSpool(['review', '--base', 'feature', '--format', 'json', '-C', fx.repo], { env });
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({
      findings: [],
      overall_correctness: 'patch is correct',
      overall_explanation: expect.stringContaining('bring nothing that feature does not already have'),
    });
    git(fx.repo, 'commit', '-q', '--allow-empty', '-m', 'empty');
    const emptySha = git(fx.repo, 'rev-parse', 'HEAD').trim();
    const sarif = await runSpool(
      ['review', '--commit', emptySha, '--format', 'sarif', '--fail-on', 'P3', '-C', fx.repo],
      {
        env,
      },
    );
    expect(sarif.code, sarif.stderr).toBe(0);
    const log = JSON.parse(sarif.stdout) as Json;
    expect(sarifProblems(log)).toEqual([]);
    expect((log.runs as Json[])[0]!.results).toEqual([]);
    expect(emu.requests).toHaveLength(0);
    // Custom instructions have no diff and are always a question for the reviewer.
    const custom = await runSpool(['review', 'look at src/math.ts', '-C', fx.repo], { env });
    expect(custom.code, custom.stderr).toBe(0);
    expect(emu.requests).toHaveLength(1);
  });

  it('custom instructions, from the argument or stdin, and instructions added to a target', async () => {
    const { fx, env, emu } = await setup([respond(reviewAnswer([])), respond(reviewAnswer([]))]);
    const custom = await runSpool(['review', 'Check README.md for stale setup steps', '-C', fx.repo], {
      env,
    });
    expect(custom.code, custom.stderr).toBe(0);
    expect(custom.stdout).toContain('No findings.');
    expect(custom.stdout).toContain('**Patch is correct**');
    const prompt = lastUserText(emu.requests[0]!);
    expect(prompt).toContain('Review as follows: Check README.md for stale setup steps');
    expect(prompt).not.toContain('<diff>');

    // The fleet's invocation: a target, the job's instructions on stdin, exec's options after `review`.
    const fleet = await runSpool(
      [
        'exec',
        'review',
        '--base',
        'main',
        '--json',
        '--skip-git-repo-check',
        '-C',
        fx.repo,
        '-c',
        'model_verbosity="low"',
        '-',
      ],
      { env, stdin: 'Focus on division.\n' },
    );
    expect(fleet.code, fleet.stderr).toBe(0);
    const withExtra = lastUserText(emu.requests[1]!);
    expect(withExtra).toContain('<diff>');
    expect(withExtra).toContain(
      'Additional instructions from the person who asked for this review:\nFocus on division.',
    );
    const item = jsonLines(fleet.stdout).find((e) => Array.isArray((e.item as Json | undefined)?.findings));
    expect(item).toBeDefined();
  });

  it('--format sarif and --format github write documents; the GitHub comments sit on lines the diff shows', async () => {
    const { fx, env } = await setup([
      respond(reviewAnswer([DIVIDE_BY_ZERO, USE_SITE])),
      respond(
        reviewAnswer([
          DIVIDE_BY_ZERO,
          USE_SITE,
          finding({ title: 'Wide range', priority: 3, path: 'src/math.ts', start: 1, end: 8 }),
        ]),
      ),
    ]);
    const sarifFile = path.join(tempDir(), 'review.sarif');
    const sarif = await runSpool(
      ['review', '--base', 'main', '--format', 'sarif', '-o', sarifFile, '-C', fx.repo],
      { env },
    );
    expect(sarif.code, sarif.stderr).toBe(0);
    const log = JSON.parse(sarif.stdout) as Json;
    expect(JSON.parse(fs.readFileSync(sarifFile, 'utf8'))).toEqual(log);
    expect(sarifProblems(log)).toEqual([]);
    const results = ((log.runs as Json[])[0]!.results as Json[]).map((r) => ({
      ruleId: r.ruleId,
      level: r.level,
      location: (((r.locations as Json[])[0]!.physicalLocation as Json).artifactLocation as Json).uri,
    }));
    expect(results).toEqual([
      { ruleId: 'spool-review/P1', level: 'error', location: 'src/math.ts' },
      { ruleId: 'spool-review/P2', level: 'warning', location: 'src/use.ts' },
    ]);

    const github = await runSpool(['review', '--base', 'main', '--format', 'github', '-C', fx.repo], { env });
    expect(github.code, github.stderr).toBe(0);
    const payload = JSON.parse(github.stdout) as { body: string; comments: Json[]; event: string };
    expect(payload.event).toBe('COMMENT');
    // The new-side lines each hunk of git's own diff shows.
    const shown = new Map<string, Array<[number, number]>>();
    let file = '';
    for (const line of git(fx.repo, 'diff', 'main').split('\n')) {
      const plus = /^\+\+\+ b\/(.*)$/.exec(line);
      if (plus) file = plus[1]!;
      const hunk = /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (hunk) {
        const start = Number(hunk[1]);
        shown.set(file, [...(shown.get(file) ?? []), [start, start + Number(hunk[2] ?? 1) - 1]]);
      }
    }
    expect(payload.comments.length).toBe(2);
    for (const comment of payload.comments) {
      const hunks = shown.get(String(comment.path)) ?? [];
      const line = Number(comment.line);
      const start = Number(comment.start_line ?? comment.line);
      expect(comment.side).toBe('RIGHT');
      expect(
        hunks.some(([a, b]) => a <= start && start <= line && line <= b),
        JSON.stringify(comment),
      ).toBe(true);
    }
    expect(payload.comments.map((c) => [c.path, c.start_line, c.line])).toEqual([
      ['src/math.ts', 6, 7],
      ['src/math.ts', 3, 8],
    ]);
    // src/use.ts is not in the diff: that finding is in the summary instead.
    expect(payload.body).toContain('Findings outside the lines this diff shows');
    expect(payload.body).toContain('[P2] Caller divides by zero');
  });

  it('--fail-on exits 3 when a finding at or above the priority remains, 0 otherwise', async () => {
    const { fx, env } = await setup([
      respond(reviewAnswer([DIVIDE_BY_ZERO])),
      respond(reviewAnswer([DIVIDE_BY_ZERO])),
      respond(reviewAnswer([DIVIDE_BY_ZERO, BOGUS])),
    ]);
    const gate = await runSpool(['review', '--base', 'main', '--fail-on', 'P1', '-C', fx.repo], { env });
    expect(gate.code).toBe(3);
    expect(gate.stderr).toContain('--fail-on P1');
    const stricter = await runSpool(['review', '--base', 'main', '--fail-on', 'P0', '-C', fx.repo], { env });
    expect(stricter.code, stricter.stderr).toBe(0);
    // A dropped P0 (its file does not exist) does not trip the gate.
    const dropped = await runSpool(['review', '--base', 'main', '--fail-on', '0', '-C', fx.repo], { env });
    expect(dropped.code, dropped.stderr).toBe(0);
    const bad = await runSpool(['review', '--base', 'main', '--fail-on', 'P7', '-C', fx.repo], { env });
    expect(bad.code).toBe(2);
  });

  it('ends quietly when the reader goes away: the reviewer is stopped, its command killed, its session kept', async () => {
    const { fx, env, emu, home } = await setup([
      respond(shellCall('sleep 4343.5; echo never')),
      respond(reviewAnswer([DIVIDE_BY_ZERO])),
    ]);
    const command = [process.execPath, SPOOL_BIN, 'exec', 'review', '--base', 'main', '--json', '-C', fx.repo]
      .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    // A real pipe into `head -1`, which closes it after the first line.
    // Spawned (not spawnSync): the emulator answers from this process.
    const child = spawn('bash', ['-c', `${command} | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    const run = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(jsonLines(run.stdout)).toEqual([{ type: 'thread.started', thread_id: expect.any(String) }]);
    expect(run.stderr).toContain('exit=141');
    expect(run.stderr).not.toMatch(/EPIPE|Error:/);
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps).not.toContain('sleep 4343.5');
    // The reviewer was not asked again (on a loaded machine the pipe may close before the first
    // request is even sent), and its session log is there.
    expect(emu.requests.length).toBeLessThanOrEqual(1);
    const id = (jsonLines(run.stdout)[0]!.thread_id as string).toLowerCase();
    const logs = fs.readdirSync(path.join(home, 'sessions'), { recursive: true }).map(String);
    expect(logs.some((f) => f.includes(id) && f.endsWith('.jsonl'))).toBe(true);
  });

  it('usage errors: conflicting targets, no target, a branch that does not exist, no repository', async () => {
    const { fx, env, emu } = await setup([]);
    const both = await runSpool(['review', '--uncommitted', '--base', 'main', '-C', fx.repo], { env });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot be combined/);
    const none = await runSpool(['review', '-C', fx.repo], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--uncommitted, --base BRANCH, --commit SHA/);
    const missing = await runSpool(['review', '--base', 'no-such-branch', '-C', fx.repo], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-branch is not a commit/);
    const option = await runSpool(['review', '--base=--output=/tmp/pwned', '-C', fx.repo], { env });
    expect(option.code).toBe(2);
    const title = await runSpool(['review', '--base', 'main', '--title', 'x', '-C', fx.repo], { env });
    expect(title.code).toBe(2);
    const plain = tempDir();
    const norepo = await runSpool(['review', '--uncommitted', '-C', plain], { env });
    expect(norepo.code).toBe(2);
    expect(norepo.stderr).toMatch(/not inside a git repository/);
    expect(emu.requests).toHaveLength(0);
  });

  it('without structured output the answer is read leniently; an unreadable answer is asked for again, then fails', async () => {
    const fenced = `I looked at the callers.\n\n\`\`\`json\n${JSON.stringify({
      findings: [{ ...DIVIDE_BY_ZERO, title: '[P1] Guard against b = 0 in ratio', priority: undefined }],
      overall_correctness: 'patch is incorrect',
      overall_explanation: 'x',
      overall_confidence: 0.5,
    })}\n\`\`\``;
    const { fx, env, emu } = await setup([
      respond(say('Looks fine to me.')),
      respond(say(fenced)),
      respond(say('still prose')),
      respond(say('more prose')),
      respond(say('and more prose')),
    ]);
    const run = await runSpool(
      ['review', '--base', 'main', '-m', 'local-coder', '--format', 'json', '-C', fx.repo],
      { env },
    );
    expect(run.code, run.stderr).toBe(0);
    expect((emu.requests[0]!.body as Json).text).toBeUndefined();
    expect(lastUserText(emu.requests[1]!)).toMatch(
      /could not be read as the review's JSON object \(no JSON object/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      findings: [{ title: 'Guard against b = 0 in ratio', priority: 1 }],
    });

    const failed = await runSpool(['review', '--base', 'main', '-m', 'local-coder', '-C', fx.repo], { env });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/The review failed: the reviewer's answer could not be read as findings/);
    expect(emu.requests).toHaveLength(5);
  });

  it("refuses the reviewer's writes: no apply_patch tool, patches through the shell refused, the sandbox read-only", async () => {
    const patch =
      '*** Begin Patch\n*** Update File: src/math.ts\n@@\n-  return a / b;\n+  return 0;\n*** End Patch\n';
    const { fx, env, emu } = await setup([
      respond(applyPatchCall(patch)),
      respond(shellCall(`apply_patch <<'EOF'\n${patch}EOF`)),
      respond(shellCall('echo pwned > src/math.ts; echo made > new-file.txt')),
      respond(reviewAnswer([DIVIDE_BY_ZERO])),
    ]);
    const run = await runSpool(['review', '--base', 'main', '--json', '-C', fx.repo], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(outputsOf(emu.requests[1]!).at(-1)).toMatch(/Unknown tool "apply_patch"/);
    expect(outputsOf(emu.requests[2]!).at(-1)).toMatch(
      /apply_patch is not available: this is a read-only code review/,
    );
    expect(outputsOf(emu.requests[3]!).at(-1)).toMatch(/Read-only file system/);
    expect(fs.readFileSync(path.join(fx.repo, 'src/math.ts'), 'utf8')).toBe(MATH_AFTER);
    expect(fs.existsSync(path.join(fx.repo, 'new-file.txt'))).toBe(false);
    expect(git(fx.repo, 'status', '--porcelain')).toBe('');
  });

  it('records reactions in the review session and reports acceptance per priority, model and repository', async () => {
    const { fx, env, home } = await setup([
      respond(reviewAnswer([DIVIDE_BY_ZERO, USE_SITE])),
      respond(reviewAnswer([finding({ title: 'Another', priority: 1, path: 'src/math.ts', start: 7 })])),
    ]);
    const first = await runSpool(['review', '--base', 'main', '--format', 'json', '-C', fx.repo], { env });
    const second = await runSpool(['review', '--base', 'main', '--format', 'json', '-C', fx.repo], { env });
    const [a, b] = [first, second].map((r) => (JSON.parse(r.stdout) as Json).review_id as string);

    const up = await runSpool(['review', 'feedback', a!, '1', 'up', '--reason', 'real bug'], { env });
    expect(up.code, up.stderr).toBe(0);
    const down = await runSpool(['review', 'feedback', a!, '2', 'down'], { env });
    expect(down.code, down.stderr).toBe(0);
    // A change of mind: the last reaction counts.
    expect((await runSpool(['review', 'feedback', b!.slice(0, 13), '1', 'down'], { env })).code).toBe(0);
    expect((await runSpool(['review', 'feedback', b!, '1', 'up'], { env })).code).toBe(0);
    const nosuch = await runSpool(['review', 'feedback', a!, '3', 'up'], { env });
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr).toMatch(/has 2 finding\(s\); there is no finding 3/);
    expect((await runSpool(['review', 'feedback', a!, '1', 'sideways'], { env })).code).toBe(2);
    expect((await runSpool(['review', 'feedback', 'ffffffff-0000', '1', 'up'], { env })).code).toBe(2);

    // The reaction is in the review's own session log.
    const show = await runSpool(['sessions', 'show', a!], { env });
    expect(show.code, show.stderr).toBe(0);
    const logFile = fs
      .readdirSync(path.join(home, 'sessions'), { recursive: true })
      .map(String)
      .find((f) => f.includes(a!) && f.endsWith('.jsonl'))!;
    const log = fs.readFileSync(path.join(home, 'sessions', logFile), 'utf8');
    expect(log).toContain('"review.feedback"');
    expect(log).toContain('"reason":"real bug"');

    const stats = await runSpool(['review', 'stats', '--json'], { env });
    expect(stats.code, stats.stderr).toBe(0);
    const data = JSON.parse(stats.stdout) as Json;
    expect(data.total).toMatchObject({ reviews: 2, findings: 3, rated: 3, up: 2, down: 1 });
    expect((data.by_priority as Json).P1).toMatchObject({ findings: 2, rated: 2, up: 2, acceptance: 1 });
    expect((data.by_priority as Json).P2).toMatchObject({ findings: 1, rated: 1, down: 1, acceptance: 0 });
    expect(data.by_model).toMatchObject({ 'gpt-5-codex': { reviews: 2, findings: 3 } });
    expect(Object.keys(data.by_repository as Json)).toEqual([fs.realpathSync(fx.repo)]);
    const human = await runSpool(['review', 'stats'], { env });
    expect(human.stdout).toMatch(/By priority/);
    const future = await runSpool(['review', 'stats', '--since', '2999-01-01', '--json'], { env });
    expect((JSON.parse(future.stdout) as Json).total).toMatchObject({ reviews: 0 });
    expect((await runSpool(['review', 'stats', '--since', 'yesterday'], { env })).code).toBe(2);
  });
});
