/**
 * `spool replay` through the built binary: a session recorded by `spool exec` against the emulator
 * is re-run offline from its rollout (its tools re-run in a scratch copy), `--check` passes on an
 * unchanged harness and names the first divergence when the instructions, a tool or a request field
 * changed; a session from a Spool that did not keep its requests replays but cannot be checked.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, type Step, say, shellCall, startEmulator } from '../emulator/index.js';
import { git } from '../review/helpers.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

type Json = Record<string, unknown>;

interface Recorded {
  repo: string;
  home: string;
  rollout: string;
  emu: Emulator;
}

/** A repository, and one recorded `spool exec` session in it (more turns with `resumes`). */
async function record(
  script: Step[],
  prompts: string[] = ['read a.txt'],
  flags: string[] = ['-s', 'workspace-write'],
): Promise<Recorded> {
  const repo = tempDir('spool-replay-repo-');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'hello\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'start');
  emulator = await startEmulator({ script });
  const home = tempDir('spool-replay-home-');
  const env = { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home };
  for (const [i, prompt] of prompts.entries()) {
    const args = i === 0 ? ['exec', ...flags, prompt] : ['exec', ...flags, 'resume', '--last', prompt];
    const run = await runSpool(args, { cwd: repo, env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
  }
  const sessions = path.join(home, 'sessions');
  const rollout = (fs.readdirSync(sessions, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => path.join(sessions, name))[0]!;
  return { repo, home, rollout, emu: emulator };
}

function lines(file: string): Json[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Json);
}

function writeLines(file: string, rows: Json[]): void {
  fs.writeFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const SCRIPT = (): Step[] => [
  respond(shellCall('cat a.txt; echo run >> log.txt')),
  respond(say('It says hello.')),
];

describe('spool replay', { timeout: 120_000 }, () => {
  it('records each request as sent, and --check passes on an unchanged harness (tools re-run in a scratch copy)', async () => {
    const { repo, home, rollout, emu } = await record(SCRIPT());
    const requests = lines(rollout).filter((line) => line.type === 'request');
    expect(requests.map((line) => (line.payload as Json).sha256)).toEqual(
      emu.requests.map((request) => sha256(request.bodyText)),
    );
    const run = await runSpool(['replay', '--last', '--check', '--keep-workspace'], {
      cwd: repo,
      env: { SPOOL_HOME: home },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('replayed 1 turn (completed), 2 requests, 2 recorded responses');
    expect(run.stdout).toContain('check: all 2 requests identical to the recorded ones, byte for byte');
    // The tool ran again, in the scratch copy only: the workspace has the first run's line alone.
    expect(fs.readFileSync(path.join(repo, 'log.txt'), 'utf8')).toBe('run\n');
    const scratch = /kept (\S+)/.exec(run.stderr)![1]!;
    expect(fs.readFileSync(path.join(scratch, 'log.txt'), 'utf8')).toBe('run\nrun\n');
    fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
    // No model was reached: the emulator saw only the recorded session's requests.
    expect(emu.requests).toHaveLength(2);
  });

  it('--check names a tool whose description changed since the recording, with a diff', async () => {
    const { repo, home, rollout } = await record(SCRIPT());
    // The log as an older harness would have written it: another description of `shell`. The tools
    // are kept once per home by digest; the log's line holds only digests.
    const rows = lines(rollout);
    const first = rows.find((row) => row.type === 'request')!.payload as Json & { parts: Json };
    const parts = path.join(home, 'requests');
    const tools = JSON.parse(
      fs.readFileSync(path.join(parts, `${first.parts.tools}.json`), 'utf8'),
    ) as Json[];
    expect(fs.readFileSync(rollout, 'utf8')).not.toContain('"description"');
    const shell = tools.find((tool) => tool.name === 'shell')!;
    shell.description = 'Runs a shell command (old wording).';
    const text = JSON.stringify(tools);
    first.parts.tools = sha256(text);
    fs.writeFileSync(path.join(parts, `${first.parts.tools}.json`), text);
    first.sha256 = 'f'.repeat(64);
    writeLines(rollout, rows);
    const run = await runSpool(['replay', rollout, '--check'], { cwd: repo, env: { SPOOL_HOME: home } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('check: request 1 (turn 1) diverges: tools: tool shell changed');
    expect(run.stdout).toContain('-  "description": "Runs a shell command (old wording).",');
    expect(run.stdout).toMatch(/\+ {2}"description": "Runs a shell command/);
    // From another home (the parts not kept there), the tools are still named as what changed.
    const elsewhere = await runSpool(['replay', rollout, '--check'], {
      cwd: repo,
      env: { SPOOL_HOME: tempDir('spool-replay-other-home-') },
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).toContain(
      "diverges: tools: the tools changed (the recorded text is not among this Spool home's kept request parts, so no diff)",
    );
  });

  it('--check names the input item and the request field that changed (configuration given to the replay)', async () => {
    const { repo, home } = await record(SCRIPT());
    const instructions = await runSpool(
      ['replay', '--last', '--check', '-c', 'developer_instructions="Answer in French."'],
      { cwd: repo, env: { SPOOL_HOME: home } },
    );
    expect(instructions.code, instructions.stderr).toBe(1);
    expect(instructions.stdout).toContain('diverges: input: input item 1 of 3 (developer message) changed');
    expect(instructions.stdout).toContain('+      "text": "Answer in French."');
    const effort = await runSpool(['replay', '--last', '--check', '-c', 'model_reasoning_effort="high"'], {
      cwd: repo,
      env: { SPOOL_HOME: home },
    });
    expect(effort.code).toBe(1);
    expect(effort.stdout).toContain('diverges: fields: request field reasoning changed');
    expect(effort.stdout).toContain('+    "effort": "high",');
  });

  it('--from replays the later turns only, against their recorded requests', async () => {
    const { repo, home, emu } = await record(
      [...SCRIPT(), respond(shellCall('wc -l log.txt')), respond(say('One line.'))],
      ['read a.txt', 'count the lines'],
    );
    expect(emu.requests).toHaveLength(4);
    const run = await runSpool(['replay', '--last', '--check', '--from', '2', '--json'], {
      cwd: repo,
      env: { SPOOL_HOME: home },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Json;
    expect(result).toMatchObject({ turns: 1, requests: 2, recordedRequests: 2, responses: 2, unanswered: 0 });
    expect(result.divergence).toBeUndefined();
    const bad = await runSpool(['replay', '--last', '--from', '3'], { cwd: repo, env: { SPOOL_HOME: home } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from 3: the session has 2 turns');
  });

  it('answers approval requests as the session answered them, and replays an unsandboxed session only when asked', async () => {
    // exec without a terminal declines what needs approval; the decision is in the log.
    const { repo, home, rollout } = await record(
      [respond(shellCall('touch made.txt')), respond(say('Declined.'))],
      ['make a file'],
      ['-s', 'workspace-write', '-a', 'untrusted'],
    );
    expect(lines(rollout).some((row) => (row.payload as Json)?.type === 'approval.resolved')).toBe(true);
    const recordedUntrusted = lines(rollout).find((row) => row.type === 'turn_context')!.payload as Json;
    expect(recordedUntrusted.approval_policy).toBe('untrusted');
    const run = await runSpool(['replay', rollout, '--check'], { cwd: repo, env: { SPOOL_HOME: home } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('check: all 2 requests identical');

    const rows = lines(rollout);
    for (const row of rows)
      if (row.type === 'turn_context' || row.type === 'initial_context')
        (row.payload as Json).sandbox_mode = 'danger-full-access';
    writeLines(rollout, rows);
    const refused = await runSpool(['replay', rollout], { cwd: repo, env: { SPOOL_HOME: home } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('this session ran without a sandbox');
    const sandboxed = await runSpool(['replay', rollout, '--sandbox', 'workspace-write'], {
      cwd: repo,
      env: { SPOOL_HOME: home },
    });
    expect(sandboxed.code, sandboxed.stderr).toBe(0);
    expect(sandboxed.stderr).toContain('sandbox workspace-write');
  });

  it('a session from a Spool that did not keep its requests replays, and --check says why it cannot compare', async () => {
    const { repo, home, rollout } = await record(SCRIPT());
    const rows = lines(rollout).filter((row) => row.type !== 'request');
    (rows[0]!.payload as Json).spool_version = '0.0.9';
    writeLines(rollout, rows);
    const check = await runSpool(['replay', rollout, '--check'], { cwd: repo, env: { SPOOL_HOME: home } });
    expect(check.code).toBe(2);
    expect(check.stdout).toContain('was recorded by Spool 0.0.9, which did not keep the requests it sent');
    expect(check.stdout).toContain('replayed 1 turn (completed), 2 requests, 2 recorded responses');
    const plain = await runSpool(['replay', rollout], { cwd: repo, env: { SPOOL_HOME: home } });
    expect(plain.code, plain.stderr).toBe(0);
  });
});
