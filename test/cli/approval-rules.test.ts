/**
 * What approvals and rules mean, end to end: the built binary (`spool exec`, `spool app-server`),
 * a scripted model (the emulator) and the real bubblewrap. Judged by side effects — files created
 * or left alone, a repository's hook that ran or not, the rules file — and by what the model was
 * told.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onLines } from '../app-server/support/harness.js';
import { type Loose, ProtocolClient } from '../app-server/support/protocol-client.js';
import { call, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { ROOT, runSpool, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
let server: ChildProcess | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (server) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.stdin?.end();
    await exited;
    server = undefined;
  }
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const made = tempDir(prefix);
  dirs.push(made);
  return made;
}

function envFor(e: Emulator, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home, ...extra };
}

/** The outputs of the tool calls the model was sent back, in order, from request `index`. */
function toolOutputs(e: Emulator, index: number): string[] {
  const input = e.requests[index]?.body?.input as Array<Record<string, unknown>>;
  return input.filter((i) => i.type === 'function_call_output').map((i) => String(i.output));
}

const EXEC = ['exec', '--skip-git-repo-check', '--json'];

describe('destructive commands (spool exec)', () => {
  it('on-request asks before rm -rf even in the sandbox; with no one to ask, nothing is deleted', async () => {
    const work = dir('spool-e2e-work-');
    fs.mkdirSync(path.join(work, 'build'));
    fs.writeFileSync(path.join(work, 'build', 'out.o'), 'x');
    emulator = await startEmulator({
      script: [
        respond(
          shellCall('rm -rf build'),
          shellCall('nice -n 5 rm -rf build'),
          shellCall('echo build | xargs rm -rf'),
          shellCall('git clean -fdx && git reset --hard'),
        ),
        respond(say('done')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'workspace-write', '-a', 'on-request', '-C', work, 'clean'], {
      env: envFor(emulator, dir('spool-e2e-home-')),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'build', 'out.o'))).toBe(true);
    const outputs = toolOutputs(emulator, 1);
    expect(outputs).toHaveLength(4);
    for (const output of outputs) {
      expect(output).toMatch(
        /^exec command rejected by user: .*\nApproval was asked because: it is a destructive command/,
      );
      expect(output).toMatch(/non-interactively/);
    }
  });

  it('never refuses them outright with the reason, a working sudo included', async () => {
    const work = dir('spool-e2e-work-');
    const bin = dir('spool-e2e-bin-');
    fs.mkdirSync(path.join(work, 'build'));
    fs.writeFileSync(path.join(bin, 'sudo'), `#!/bin/sh\ntouch ${path.join(work, 'sudo-ran')}\nexec "$@"\n`);
    fs.chmodSync(path.join(bin, 'sudo'), 0o755);
    emulator = await startEmulator({
      script: [
        respond(
          shellCall('rm -rf build'),
          shellCall('sudo true'),
          shellCall("bash -c 'timeout 5 rm -r build'"),
        ),
        respond(say('done')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'workspace-write', '-a', 'never', '-C', work, 'clean'], {
      env: envFor(emulator, dir('spool-e2e-home-'), { PATH: `${bin}:${process.env.PATH}` }),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'build'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'sudo-ran'))).toBe(false);
    for (const output of toolOutputs(emulator, 1))
      expect(output).toMatch(
        /^Command not run: .*\nIt was refused because it is a destructive command .*approval policy is never/,
      );
  });
});

describe('untrusted (spool exec)', () => {
  it("asks before git commands that run the repository's programs; read-only commands run without asking", async () => {
    const work = dir('spool-e2e-repo-');
    const git = (...args: string[]) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn('git', args, { cwd: work, stdio: 'ignore' });
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')}: ${code}`)),
        );
      });
    await git('init', '-q');
    fs.writeFileSync(path.join(work, 'notes.txt'), 'first line\nsecond line\n');
    await git('add', 'notes.txt');
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x');
    // The repository configures a program git runs on `status` and `diff`: it leaves a canary.
    const hook = path.join(work, 'fsmonitor.sh');
    fs.writeFileSync(hook, `#!/bin/sh\ntouch ${path.join(work, 'hook-ran')}\n`);
    fs.chmodSync(hook, 0o755);
    await git('config', 'core.fsmonitor', hook);
    emulator = await startEmulator({
      script: [
        respond(
          shellCall('git status'),
          shellCall('git diff'),
          shellCall('ls -la && pwd && cat notes.txt | head -n 1 | wc -c'),
          shellCall("grep -n second notes.txt && sed -n '2p' notes.txt && tail -1 notes.txt 2>/dev/null"),
          shellCall('rg -c line notes.txt || true'),
        ),
        respond(say('done')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'workspace-write', '-a', 'untrusted', '-C', work, 'look'], {
      env: envFor(emulator, dir('spool-e2e-home-')),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'hook-ran'))).toBe(false);
    const [status, diff, listing, grep] = toolOutputs(emulator, 1);
    for (const asked of [status, diff])
      expect(asked).toMatch(
        /rejected by user: .*\nApproval was asked because: the approval policy is untrusted/,
      );
    expect(listing).toMatch(/^Exit code: 0[\s\S]*notes\.txt[\s\S]*\n11\n/);
    expect(grep).toMatch(/^Exit code: 0[\s\S]*2:second line\nsecond line\nsecond line/);
  });
});

describe('rules match the program actually run (spool exec)', () => {
  it('a forbidden [touch] rule stops touch through paths, wrappers, shells and variables', async () => {
    const work = dir('spool-e2e-work-');
    const home = dir('spool-e2e-home-');
    fs.writeFileSync(path.join(home, 'rules.toml'), '[[rule]]\nprefix = ["touch"]\ndecision = "forbidden"\n');
    const scripts = [
      ['/usr/bin/touch', 'c1'],
      ['env', 'touch', 'c2'],
      ['bash', '-c', 'command touch c3'],
      ['timeout', '5', 'touch', 'c4'],
      ['sh', '-c', 'touch c5'],
      ['bash', '--norc', '-c', 'touch c6'],
      ['bash', '-c', 'T=touch; $T c7'],
    ];
    emulator = await startEmulator({
      script: [respond(...scripts.map((argv) => shellCall(argv))), respond(say('done'))],
    });
    const run = await runSpool([...EXEC, '-s', 'workspace-write', '-a', 'on-request', '-C', work, 'touch'], {
      env: envFor(emulator, home),
    });
    expect(run.code, run.stderr).toBe(0);
    for (let i = 1; i <= scripts.length; i++) expect(fs.existsSync(path.join(work, `c${i}`))).toBe(false);
    for (const output of toolOutputs(emulator, 1)) expect(output).toMatch(/forbidden by the rule \[touch\]/);
  });
});

/** `spool app-server` (the built binary) with a client that answers approvals. */
function startServer(env: NodeJS.ProcessEnv): ProtocolClient {
  const child = spawn(process.execPath, [SPOOL_BIN, 'app-server'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  server = child;
  const client = new ProtocolClient((text) => child.stdin?.write(`${text}\n`));
  if (child.stdout) onLines(child.stdout, (line) => client.receive(line));
  return client;
}

async function runTurn(client: ProtocolClient, params: Record<string, unknown>): Promise<Loose> {
  await client.initialize();
  const started = await client.call('thread/start', params);
  const { turn } = await client.call('turn/start', {
    threadId: started.thread.id,
    input: [{ type: 'text', text: 'go' }],
  });
  return client.turnCompleted(turn.id);
}

const escalated = (command: string[], workdir: string, extra: Record<string, unknown> = {}) =>
  call('shell', { command, workdir, sandbox_permissions: 'require_escalated', ...extra });

describe('approvals mean what was shown (spool app-server)', () => {
  it('"for this session" covers the same request, not the same argv in another workdir', async () => {
    const work = dir('spool-e2e-work-');
    const first = fs.mkdtempSync('/var/tmp/spool-e2e-a-');
    const second = fs.mkdtempSync('/var/tmp/spool-e2e-b-');
    dirs.push(first, second);
    emulator = await startEmulator({
      script: [
        respond(escalated(['touch', 'made'], first)),
        respond(escalated(['touch', 'made'], first)),
        respond(escalated(['touch', 'made'], second)),
        respond(say('done')),
      ],
    });
    const client = startServer(envFor(emulator, dir('spool-e2e-home-')));
    const asked: Loose[] = [];
    client.onServerRequest = (request) => {
      asked.push(request.params);
      return { decision: asked.length === 1 ? 'acceptForSession' : 'decline' };
    };
    await runTurn(client, { cwd: work, sandbox: 'workspace-write', approvalPolicy: 'on-request' });
    expect(fs.existsSync(path.join(first, 'made'))).toBe(true);
    expect(fs.existsSync(path.join(second, 'made'))).toBe(false);
    expect(asked.map((p) => p.cwd)).toEqual([first, second]);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('a proposed rule is saved only by the explicit choice that shows it; a failed save is said', async () => {
    const work = dir('spool-e2e-work-');
    const home = dir('spool-e2e-home-');
    const rules = path.join(home, 'rules.toml');
    emulator = await startEmulator({
      script: [
        respond(call('shell', { command: ['touch', 'a'], workdir: work, prefix_rule: ['touch'] })),
        respond(call('shell', { command: ['touch', 'b'], workdir: work })),
        respond(call('shell', { command: ['mkdir', 'c'], workdir: work, prefix_rule: ['mkdir'] })),
        respond(say('done')),
      ],
    });
    const client = startServer(envFor(emulator, home));
    const asked: Loose[] = [];
    client.onServerRequest = (request) => {
      asked.push(request.params);
      if (asked.length === 2) fs.writeFileSync(rules, '[[rule]\n'); // edited meanwhile: cannot be saved now
      const rule = request.params.proposedExecpolicyAmendment;
      return { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: rule } } };
    };
    // No sandbox needed to see what a rule means for questions (and none to wait for on a busy machine).
    await runTurn(client, { cwd: work, sandbox: 'danger-full-access', approvalPolicy: 'untrusted' });
    // The first answer saved [touch], so `touch b` was not asked; `mkdir c` was, and its rule failed.
    expect(asked.map((p) => p.proposedExecpolicyAmendment)).toEqual([['touch'], ['mkdir']]);
    for (const made of ['a', 'b', 'c']) expect(fs.existsSync(path.join(work, made))).toBe(true);
    const warnings = client.notifications('warning').map((p) => p.message);
    expect(warnings).toEqual([expect.stringMatching(/the rule \[mkdir\] could not be saved/)]);
    expect(toolOutputs(emulator, 3).at(-1)).toMatch(/the rule \[mkdir\] could not be saved/);
  });
});
