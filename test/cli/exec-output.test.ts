/**
 * What `spool exec` prints, through the built binary and real pipes: nothing from a command or the
 * model drives the terminal, failures say why (a failed patch, an unreachable server, how much
 * output was left out), retries that recover are no `error` events in `--json`, and a reader that
 * goes away (`| head -1`) ends the run quietly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyPatchCall,
  type Emulator,
  respond,
  say,
  serverError500,
  shellCall,
  startEmulator,
  think,
} from '../emulator/index.js';
import { shapeProblems } from '../support/exec-json-shapes.js';
import { jsonLines, runSpool, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function envFor(e: Emulator | { url: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: tempDir('spool-home-'), ...extra };
}

const EXEC = ['exec', '--skip-git-repo-check'];

/** Control characters other than newline and tab (an escape sequence needs ESC or a C1 byte). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

/** Whether `pid` is a live process (a zombie waiting to be reaped is dead). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('spool exec output', () => {
  it('neutralises escape sequences from commands and the model on stderr', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({
      script: [
        respond(
          think('thinking \x1b]0;owned\x07hard'),
          shellCall("printf 'one\\033[2J\\033]0;title\\007two\\033[1A\\n\\302\\233three\\n'"),
        ),
        respond(say('done \x1b[2Jfinal')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'workspace-write', '-C', workdir, 'print'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(CONTROL);
    expect(run.stderr).toContain('thinking hard');
    expect(run.stderr).toContain('onetwo');
    expect(run.stderr).toContain('three');
    // stdout is a pipe here: the answer goes out as the model wrote it (data, not a terminal).
    expect(run.stdout).toBe('done \x1b[2Jfinal\n');
  }, 120_000);

  it('shows why a patch failed: the text the model was given', async () => {
    const workdir = tempDir();
    fs.writeFileSync(path.join(workdir, 'notes.txt'), 'alpha\nbeta\n');
    emulator = await startEmulator({
      script: [
        respond(
          applyPatchCall('*** Begin Patch\n*** Update File: notes.txt\n@@\n-gamma\n+delta\n*** End Patch'),
        ),
        respond(say('could not')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'workspace-write', '-C', workdir, 'patch'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    const sent = (emulator.requests[1]!.body!.input as Array<Record<string, unknown>>).find(
      (item) => item.type === 'custom_tool_call_output',
    )!.output as string;
    expect(sent).toContain('gamma');
    const reason = run.stderr.slice(run.stderr.indexOf('patch failed'));
    expect(reason).toMatch(/^patch failed:\n/);
    for (const line of sent
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== ''))
      expect(reason).toContain(line.trim());
    expect(fs.readFileSync(path.join(workdir, 'notes.txt'), 'utf8')).toBe('alpha\nbeta\n');
  });

  it('counts the lines left out of a huge output from the whole output', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({
      script: [respond(shellCall('seq 1000000')), respond(say('counted'))],
    });
    const run = await runSpool([...EXEC, '-C', workdir, 'count'], { env: envFor(emulator) });
    expect(run.code, run.stderr).toBe(0);
    const preview = run.stderr.slice(run.stderr.indexOf('↳ exit 0'));
    expect(preview).toMatch(/\n {4}1\n {4}2\n {4}3\n {4}… 999,995 more lines …\n {4}999999\n {4}1000000\n/);
  }, 120_000);

  it('names the URL, the error code and the setting when the server cannot be reached', async () => {
    // A port the kernel just gave out and nothing listens on any more (a fixed one could be an
    // emulator's of another test running at the same time).
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const url = `http://127.0.0.1:${port}/v1`;
    const refused = await runSpool([...EXEC, '-c', 'request_max_retries=0', 'hi'], { env: envFor({ url }) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(url);
    expect(refused.stderr).toContain('ECONNREFUSED');
    expect(refused.stderr).toContain('OPENAI_BASE_URL');
  });

  it('keeps retries that recover out of the --json stream (they go to stderr)', async () => {
    emulator = await startEmulator({ script: [serverError500(), respond(say('recovered'))] });
    const run = await runSpool([...EXEC, '--json', 'hi'], { env: envFor(emulator) });
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'turn.completed' });
    expect(shapeProblems(events)).toEqual([]);
    expect(run.stderr).toMatch(/Reconnecting\.\.\. 1\/\d/);
  });

  it('ends quietly when the reader goes away: the turn stops, its command is killed, the session is kept', async () => {
    const workdir = tempDir();
    const home = tempDir('spool-home-');
    emulator = await startEmulator({
      script: [
        respond(shellCall('echo $$ > pid.txt; sleep 30; touch ran.txt')),
        respond(say('never printed')),
      ],
    });
    const command = [
      process.execPath,
      SPOOL_BIN,
      ...EXEC,
      '--json',
      '-s',
      'workspace-write',
      '-C',
      workdir,
      'wait',
    ]
      .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    // A real pipe into `head -1`, which closes it after the first line. Spawned, not spawnSync: the
    // emulator answers from this process, so its event loop must keep running.
    const child = spawn('bash', ['-c', `${command} | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(emulator, { SPOOL_HOME: home }) },
    });
    const run = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(jsonLines(run.stdout)).toEqual([{ type: 'thread.started', thread_id: expect.any(String) }]);
    expect(run.stderr).toContain('exit=141');
    expect(run.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    const pidFile = path.join(workdir, 'pid.txt');
    if (fs.existsSync(pidFile)) expect(running(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(fs.existsSync(path.join(workdir, 'ran.txt'))).toBe(false);
    // The session was recorded and can be continued.
    const sessions = await runSpool(['sessions', '--json'], { env: { SPOOL_HOME: home } });
    const listed = JSON.parse(sessions.stdout) as Array<{ id: string }>;
    expect(listed.map((s) => s.id)).toEqual([(jsonLines(run.stdout)[0] as { thread_id: string }).thread_id]);
  }, 120_000);
});
