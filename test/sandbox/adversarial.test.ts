/**
 * The adversarial suite: commands and patches that try to get out, run under the real bubblewrap,
 * judged by their side effects (file hashes, what a listener received, processes left behind),
 * not by exit codes.
 */

import dgram from 'node:dgram';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import {
  call,
  commandEnv,
  hashOf,
  hostProcessesWith,
  type Layout,
  makeContext,
  makeLayout,
  text,
} from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
let target: string;
let targetHash: string;

beforeEach(() => {
  layout = makeLayout();
  sessions = new ExecSessionManager();
  target = join(layout.outside, 'target.txt');
  writeFileSync(target, 'do not touch\n');
  targetHash = hashOf(target);
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

function tools(maxProcesses?: number) {
  return createShellTools(sessions, maxProcesses ? { sandbox: { maxProcesses } } : {});
}

async function sh(script: string, options: Parameters<typeof makeContext>[1] = {}, timeoutMs = 10_000) {
  const { ctx, sink, requests } = makeContext(layout.work, { spoolHome: layout.home, ...options });
  const result = await call(tools().shell, { command: ['bash', '-c', script], timeout_ms: timeoutMs }, ctx);
  return { result, output: text(result), sink, requests };
}

describe('writes outside the writable roots', () => {
  it('through ../, absolute paths and symlinks: the target is unchanged', async () => {
    symlinkSync(target, join(layout.work, 'link'));
    symlinkSync(layout.outside, join(layout.work, 'dirlink'));
    const { output } = await sh(
      [
        'echo x >> ../outside/target.txt',
        `echo x >> ${target}`,
        'echo x >> link',
        'echo x >> dirlink/target.txt',
        'ln -sf ../outside/target.txt newlink; echo x >> newlink',
        `cp /etc/hostname ${layout.outside}/new.txt`,
        // unlink, not rm -f: a destructive command would be refused before it reached the sandbox.
        `unlink ${target}`,
        `mv ${target} ./stolen.txt`,
        'echo inside > ok.txt',
      ].join('; '),
    );
    expect(output).toContain('Read-only file system');
    expect(hashOf(target)).toBe(targetHash);
    expect(existsSync(join(layout.outside, 'new.txt'))).toBe(false);
    expect(readFileSync(join(layout.work, 'ok.txt'), 'utf8')).toBe('inside\n');
  });

  it('hard links to outside cannot be made, so cannot be written through', async () => {
    const { output } = await sh(`ln ${target} hard; echo x >> hard; ls -la`);
    expect(output).toMatch(/Invalid cross-device link|Operation not permitted|Read-only/);
    expect(hashOf(target)).toBe(targetHash);
  });

  it('root inside the sandbox has no capabilities: no remount, no unmount, no new user namespace', async () => {
    mkdirSync(join(layout.work, '.git'));
    writeFileSync(join(layout.work, '.git', 'config'), '[core]\n');
    const before = hashOf(join(layout.work, '.git', 'config'));
    const { output } = await sh(
      [
        'grep -E "^(CapEff|CapPrm|CapBnd)" /proc/self/status',
        'umount .git',
        'umount -l .git',
        'mount -o remount,rw /',
        `mount -o remount,rw ${layout.work}/.git`,
        'unshare -Ur sh -c "umount -l .git; echo escaped >> .git/config"',
        'echo x >> .git/config',
        `echo x >> ${target}`,
      ].join('; '),
    );
    expect(output).toContain('CapEff:\t0000000000000000');
    expect(output).toContain('CapBnd:\t0000000000000000');
    expect(hashOf(join(layout.work, '.git', 'config'))).toBe(before);
    expect(hashOf(target)).toBe(targetHash);
  });
});

describe('protected paths inside the workspace', () => {
  it('.git/config, .git/hooks, and .spool/.agents that do not exist yet', async () => {
    mkdirSync(join(layout.work, '.git', 'hooks'), { recursive: true });
    writeFileSync(join(layout.work, '.git', 'config'), '[core]\n');
    const configHash = hashOf(join(layout.work, '.git', 'config'));
    const { output } = await sh(
      [
        'echo "[core] hooksPath=/x" >> .git/config',
        'printf "#!/bin/sh\\nid\\n" > .git/hooks/pre-commit',
        'mkdir .spool; mkdir -p .spool/x; echo 1 > .spool/config.toml',
        'mkdir .agents; echo 1 > .agents/skill.md',
        // Not rm -rf (refused as destructive before the sandbox): unlink and rmdir meet the walls.
        'unlink .git/config; rmdir .git/hooks; mv .git .git-old',
        'echo fine > src.txt',
      ].join('; '),
    );
    expect(output).toMatch(/Read-only file system|Device or resource busy/);
    expect(hashOf(join(layout.work, '.git', 'config'))).toBe(configHash);
    expect(existsSync(join(layout.work, '.git', 'hooks', 'pre-commit'))).toBe(false);
    // The names could not be created, and the empty mount points are gone afterwards.
    expect(existsSync(join(layout.work, '.spool'))).toBe(false);
    expect(existsSync(join(layout.work, '.agents'))).toBe(false);
    expect(readdirSync(layout.work).sort()).toEqual(['.git', 'src.txt']);
  });

  it('the directory a gitdir: file points to (worktrees, submodules)', async () => {
    const gitdir = join(layout.work, 'real-gitdir');
    mkdirSync(gitdir);
    writeFileSync(join(gitdir, 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(layout.work, '.git'), 'gitdir: ./real-gitdir\n');
    const before = hashOf(join(gitdir, 'HEAD'));
    await sh('echo evil > real-gitdir/HEAD; echo x > .git; touch real-gitdir/new');
    expect(hashOf(join(gitdir, 'HEAD'))).toBe(before);
    expect(readFileSync(join(layout.work, '.git'), 'utf8')).toBe('gitdir: ./real-gitdir\n');
    expect(existsSync(join(gitdir, 'new'))).toBe(false);
  });

  it('SPOOL_HOME is never writable: inside the workspace, under /tmp, or not yet created', async () => {
    const inWork = join(layout.work, 'spool-home');
    mkdirSync(inWork);
    writeFileSync(join(inWork, 'config.toml'), 'model = "x"\n');
    const before = hashOf(join(inWork, 'config.toml'));
    await sh('echo "approval_policy = \\"never\\"" >> spool-home/config.toml; touch spool-home/rules.toml', {
      spoolHome: inWork,
    });
    expect(hashOf(join(inWork, 'config.toml'))).toBe(before);
    expect(existsSync(join(inWork, 'rules.toml'))).toBe(false);

    const inTmp = `/tmp/spool-sbx-home-${process.pid}-${Date.now()}`;
    try {
      const { output } = await sh(
        `mkdir -p ${inTmp}/x; echo 1 > ${inTmp}/config.toml; echo ok > /tmp/spool-sbx-ok-${process.pid}`,
        {
          spoolHome: inTmp,
        },
      );
      expect(output).toContain('Read-only file system');
      expect(existsSync(join(inTmp, 'config.toml'))).toBe(false);
      expect(existsSync(join(inTmp, 'x'))).toBe(false);
      // /tmp itself stays writable.
      expect(existsSync(`/tmp/spool-sbx-ok-${process.pid}`)).toBe(true);
    } finally {
      await import('node:fs').then((fs) => {
        fs.rmSync(inTmp, { recursive: true, force: true });
        fs.rmSync(`/tmp/spool-sbx-ok-${process.pid}`, { force: true });
      });
    }
  });
});

describe("Spool's own state", () => {
  it('the mount-point registry is read-only inside the sandbox, though /tmp is writable', async () => {
    const { mountPointRegistry } = await import('../../src/sandbox/linux/mount-points.js');
    const registry = await mountPointRegistry(layout.home);
    const { output } = await sh(
      `touch ${registry}/forged-1; mkdir ${registry}/forged-2; echo ok > /tmp/spool-sbx-reg-${process.pid}`,
    );
    expect(output).toContain('Read-only file system');
    expect(existsSync(join(registry, 'forged-1'))).toBe(false);
    expect(existsSync(join(registry, 'forged-2'))).toBe(false);
    expect(existsSync(`/tmp/spool-sbx-reg-${process.pid}`)).toBe(true);
    (await import('node:fs')).rmSync(`/tmp/spool-sbx-reg-${process.pid}`, { force: true });
  });
});

describe('apply_patch obeys the same path check', () => {
  const add = (path: string) => `*** Begin Patch\n*** Add File: ${path}\n+evil\n*** End Patch`;
  const update = (path: string) =>
    `*** Begin Patch\n*** Update File: ${path}\n@@\n-do not touch\n+changed\n*** End Patch`;

  it('refuses ../, absolute, symlinked, .git and SPOOL_HOME targets under never; nothing changes', async () => {
    symlinkSync(target, join(layout.work, 'link'));
    mkdirSync(join(layout.work, '.git'));
    const { ctx } = makeContext(layout.work, { spoolHome: join(layout.work, 'home') });
    for (const patch of [
      update('../outside/target.txt'),
      update(target),
      update('link'),
      add('.git/hooks/pre-commit'),
      add('.spool/config.toml'),
      add('home/config.toml'),
    ]) {
      const result = await runApplyPatch(patch, ctx);
      expect(result.success, patch).toBe(false);
      expect(text(result)).toMatch(/Patch rejected/);
    }
    expect(hashOf(target)).toBe(targetHash);
    expect(readdirSync(layout.work).sort()).toEqual(['.git', 'link']);
    expect(readdirSync(join(layout.work, '.git'))).toEqual([]);
  });

  it('a hard link to outside made before the session: the patch replaces the link, not the target', async () => {
    linkSync(target, join(layout.work, 'hard.txt'));
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const result = await runApplyPatch(update('hard.txt'), ctx);
    expect(result.success).toBe(true);
    expect(hashOf(target)).toBe(targetHash);
    expect(readFileSync(join(layout.work, 'hard.txt'), 'utf8')).toBe('changed\n');
  });
});

describe('network off', () => {
  async function tcpListener(): Promise<{
    port: number;
    connections: () => number;
    close: () => Promise<void>;
  }> {
    let count = 0;
    const server = net.createServer((socket) => {
      count++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    return { port, connections: () => count, close: () => new Promise((r) => server.close(() => r())) };
  }

  it('a TCP listener on the host loopback gets no connection; with the network on it does', async () => {
    const listener = await tcpListener();
    try {
      const node = process.execPath;
      const connect = `${node} -e "require('net').connect(${listener.port}, '127.0.0.1').on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(1) })"`;
      const off = await sh(
        `echo hi > /dev/tcp/127.0.0.1/${listener.port}; ${connect}; curl -s -m 2 http://127.0.0.1:${listener.port}/`,
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(listener.connections()).toBe(0);
      expect(off.output).not.toContain('connected');

      const on = await sh(connect, { sandbox: { networkAccess: true } });
      await new Promise((r) => setTimeout(r, 100));
      expect(on.output).toContain('connected');
      expect(listener.connections()).toBe(1);
    } finally {
      await listener.close();
    }
  });

  it('DNS: no UDP datagram leaves, and names do not resolve', async () => {
    const received: string[] = [];
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => received.push(msg.toString()));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    try {
      const node = process.execPath;
      const { output } = await sh(
        [
          `echo query > /dev/udp/127.0.0.1/${port}`,
          `${node} -e "const s=require('dgram').createSocket('udp4'); s.on('error', e => { console.log(e.code); process.exit(1) }); s.send('q', ${port}, '127.0.0.1', (e) => { console.log(e ? e.code : 'sent'); process.exit(0) })"`,
          'getent ahosts spool-sandbox-test.example.com || echo unresolved',
        ].join('; '),
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toEqual([]);
      expect(output).toContain('unresolved');
    } finally {
      socket.close();
    }
  });

  it('a unix socket file in the filesystem cannot be reached', async () => {
    let count = 0;
    const socketPath = join(layout.work, 'agent.sock');
    const server = net.createServer((s) => {
      count++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const node = process.execPath;
      const script = `${node} -e "require('net').connect('${socketPath}').on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(1) })"`;
      const off = await sh(script);
      expect(off.output).toContain('EPERM');
      await new Promise((r) => setTimeout(r, 100));
      expect(count).toBe(0);
      const on = await sh(script, { sandbox: { networkAccess: true } });
      expect(on.output).toContain('connected');
      await new Promise((r) => setTimeout(r, 100));
      expect(count).toBe(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('secrets and processes', () => {
  it('canary secrets in the parent environment are visible neither in env nor in /proc', async () => {
    const canary = `canary-${process.pid}-${Date.now()}`;
    const env = commandEnv({
      SPOOL_CANARY_API_KEY: canary,
      SPOOL_CANARY_TOKEN: canary,
      GITHUB_TOKEN: canary,
    });
    process.env.SPOOL_TEST_PARENT_SECRET_KEY = canary;
    try {
      const { output } = await sh(
        'env; cat /proc/1/environ /proc/self/environ; for p in /proc/[0-9]*; do cat $p/environ $p/cmdline 2>/dev/null; echo; done; ls /proc | grep -c "^[0-9]"',
        { env },
      );
      expect(output).not.toContain(canary);
      // Only the sandbox's own processes are visible (no host pids, Spool's included).
      const pids = Number(output.trim().split('\n').at(-1));
      expect(pids).toBeGreaterThan(0);
      expect(pids).toBeLessThan(10);
      expect(output).not.toContain(`/proc/${process.pid}/`);
    } finally {
      delete process.env.SPOOL_TEST_PARENT_SECRET_KEY;
    }
  });

  it('a fork storm is bounded and leaves nothing behind', async () => {
    const marker = `${31 + (process.pid % 1000) / 1000}`;
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const started = performance.now();
    const result = await call(
      tools(64).shell,
      {
        command: ['bash', '-c', `for i in $(seq 1 300); do sleep ${marker} & done; echo spawned; wait`],
        timeout_ms: 1_500,
      },
      ctx,
    );
    expect(text(result)).toMatch(/fork|Resource temporarily unavailable/i);
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
    // The command's pids cgroup is gone; the session's goes when the session ends.
    const pids = '/sys/fs/cgroup/pids';
    const own = () =>
      existsSync(pids) ? readdirSync(pids).filter((d) => d.startsWith(`spool-${process.pid}-`)) : [];
    for (const session of own())
      expect(readdirSync(join(pids, session)).filter((d) => d.startsWith('cmd-'))).toEqual([]);
    await sessions.closeAll();
    expect(own()).toEqual([]);
  });

  it('`sleep 100 &` does not hold the call open, and is gone afterwards', async () => {
    const marker = `${100 + (process.pid % 1000) / 1000}`;
    const started = performance.now();
    const { output } = await sh(`sleep ${marker} & echo started`);
    expect(output).toContain('started');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
  });

  it('a timeout ends the whole sandbox', async () => {
    const marker = `${300 + (process.pid % 1000) / 1000}`;
    const started = performance.now();
    const { output } = await sh(`sleep ${marker} & sleep ${marker}`, {}, 300);
    expect(output).toMatch(/^Exit code: 124/);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
  });

  it('a gigabyte of output is bounded in memory', async () => {
    const before = process.memoryUsage().rss;
    const { result, sink } = await sh(
      'head -c 1073741824 /dev/zero | tr "\\0" "a"; echo; echo end',
      {},
      // Generous: on a loaded 2-core machine a gigabyte through the sandbox's pipe takes well over 30 s.
      240_000,
    );
    const output = text(result);
    expect(output).toContain('end');
    // What is kept is the capture's head and tail (512 KiB each), whatever was printed.
    expect(output.length).toBeLessThan(1_100_000);
    const item = sink.completedItems()[0] as { aggregated_output: string };
    expect(item.aggregated_output).toMatch(/bytes omitted/);
    expect(item.aggregated_output.length).toBeLessThan(1_100_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
  }, 300_000);
});

describe('approval bypass attempts under untrusted', () => {
  it('asks for each; denied, nothing happens', async () => {
    const victim = join(layout.work, 'x');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep.txt'), 'keep\n');
    const keep = hashOf(join(victim, 'keep.txt'));
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'untrusted' });
    const attempts = [
      'ls && rm -rf x',
      'echo $(rm -rf x)',
      'ls `rm -rf x`',
      'find . -name keep.txt -exec rm {} \\;',
      'find x -type f | xargs rm',
      'find . -delete',
      'echo gone > x/keep.txt',
      'cat x/keep.txt > x/copy.txt',
      'FOO=1 rm -rf x',
      'ls & rm -rf x',
      '(rm -rf x)',
    ];
    for (const script of attempts) {
      const result = await call(tools().shell, { command: ['bash', '-lc', script] }, ctx);
      expect(text(result), script).toMatch(/^exec command rejected by user/);
    }
    expect(requests.map((r) => r.command?.[2])).toEqual(attempts);
    expect(requests.every((r) => r.policy === 'untrusted' && r.kind === 'command')).toBe(true);
    expect(hashOf(join(victim, 'keep.txt'))).toBe(keep);
    expect(readdirSync(victim)).toEqual(['keep.txt']);

    // Known-safe commands run without a question.
    const safe = await call(
      tools().shell,
      { command: ['bash', '-lc', 'ls x && cat x/keep.txt | wc -l'] },
      ctx,
    );
    expect(text(safe)).toMatch(/^Exit code: 0/);
    expect(requests).toHaveLength(attempts.length);
  });
});
