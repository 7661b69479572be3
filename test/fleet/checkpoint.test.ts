/**
 * The checkpoint (real Redis) and the worktree snapshot (real git): writes of a run that lost the
 * job are refused, rollout chunks join only where the stored rollout ends, and a worktree's changes
 * — edits, new, deleted and binary files — come back on a fresh checkout of the same commit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore, FencedError } from '../../src/fleet/checkpoint.js';
import { fleetKeys } from '../../src/fleet/keys.js';
import { checkout, ensureLocalBranch, restore, snapshot, WorkspaceError } from '../../src/fleet/workspace.js';
import { tempDir } from '../support/thread.js';
import { makeRepo, type RedisServer, startRedis } from './support.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('the checkpoint', () => {
  it('refuses the writes of a run that was fenced out, and appends only in order', async () => {
    const store = new CheckpointStore(redis, fleetKeys('t', 'q'));
    const first = await store.claim('job-1', 'run-a');
    expect(first).toMatchObject({ bytes: 0, runs: 1, resumedRuns: 0 });
    await store.setSession('job-1', 'run-a', 'sess', 'sessions/x.jsonl');
    await store.append('job-1', 'run-a', 0, 'line 1\n', 7);
    await expect(store.append('job-1', 'run-a', 0, 'line 1\n', 7)).rejects.toThrow(/does not end at byte 0/);
    await store.append('job-1', 'run-a', 7, 'line 2\n', 14);

    // Another worker takes the job over: the first run can no longer write anything.
    const second = await store.claim('job-1', 'run-b');
    await store.noteResumed('job-1', 'run-b');
    await expect(store.noteResumed('job-1', 'run-a')).rejects.toBeInstanceOf(FencedError);
    expect(second).toMatchObject({
      sessionId: 'sess',
      rolloutPath: 'sessions/x.jsonl',
      bytes: 14,
      runs: 2,
      resumedRuns: 0,
    });
    expect(await store.read('job-1')).toMatchObject({ resumedRuns: 1 });
    await expect(store.append('job-1', 'run-a', 14, 'late\n', 19)).rejects.toBeInstanceOf(FencedError);
    await expect(store.saveSnapshot('job-1', 'run-a', 'diff', 14)).rejects.toBeInstanceOf(FencedError);
    await store.append('job-1', 'run-b', 14, 'line 3\n', 21);
    expect(await store.rollout('job-1')).toBe('line 1\nline 2\nline 3\n');

    // A restart forgets the session but keeps counting runs.
    await store.reset('job-1', 'run-b');
    expect(await store.read('job-1')).toMatchObject({ bytes: 0, runs: 2 });
    expect(await store.rollout('job-1')).toBe('');
  });
});

describe('the checkpoint in a shared directory (queue.checkpoint_dir)', () => {
  it('keeps rollouts and snapshots in files of the run that wrote them, fenced as in Redis', async () => {
    const dir = tempDir('spool-fleet-ckpt-');
    const keys = fleetKeys('t', 'dir');
    const files = () => fs.readdirSync(path.join(dir, 'job-2')).sort();
    const first = new CheckpointStore(redis, keys, dir);
    await first.claim('job-2', 'run-a');
    await first.setSession('job-2', 'run-a', 'sess', 'sessions/x.jsonl');
    await first.append('job-2', 'run-a', 0, 'line 1\n', 7);
    await expect(first.append('job-2', 'run-a', 0, 'line 1\n', 7)).rejects.toThrow(/does not end at byte 0/);
    await first.append('job-2', 'run-a', 7, 'line 2\n', 14);
    await first.saveSnapshot('job-2', 'run-a', 'diff 1', 14);
    await first.saveSnapshot('job-2', 'run-a', 'diff 2', 14);
    // Nothing of the rollout or the worktree is in Redis; the replaced snapshot's file is gone.
    expect(await redis.exists(keys.rollout('job-2'))).toBe(0);
    expect(await redis.hget(keys.checkpoint('job-2'), 'patch')).toBe('');
    expect(files()).toEqual(['run-a.2.patch', 'run-a.rollout.jsonl']);
    expect(fs.readFileSync(path.join(dir, 'job-2', 'run-a.rollout.jsonl'), 'utf8')).toBe('line 1\nline 2\n');

    // Another worker takes the job over; the first run goes on writing, and is refused.
    const second = new CheckpointStore(redis, keys, dir);
    expect(await second.claim('job-2', 'run-b')).toMatchObject({
      sessionId: 'sess',
      bytes: 14,
      patch: 'diff 2',
    });
    await expect(first.append('job-2', 'run-a', 14, 'late\n', 19)).rejects.toBeInstanceOf(FencedError);
    await expect(first.saveSnapshot('job-2', 'run-a', 'stale', 14)).rejects.toBeInstanceOf(FencedError);
    expect(await second.rollout('job-2')).toBe('line 1\nline 2\n');
    expect((await second.read('job-2')).patch).toBe('diff 2');
    await second.append('job-2', 'run-b', 14, 'line 3\n', 21);
    await second.append('job-2', 'run-b', 21, 'line 4\n', 28);
    expect(await second.rollout('job-2')).toBe('line 1\nline 2\nline 3\nline 4\n');
    expect(files()).toEqual(['run-a.2.patch', 'run-b.rollout.jsonl']);
    await second.saveSnapshot('job-2', 'run-b', 'diff 3', 28);
    expect(files()).toEqual(['run-b.1.patch', 'run-b.rollout.jsonl']);

    // A worker without the directory continues the job in Redis; one with it moves it back.
    const inRedis = new CheckpointStore(redis, keys);
    expect(await inRedis.claim('job-2', 'run-c')).toMatchObject({ bytes: 28, patch: 'diff 3' });
    await inRedis.append('job-2', 'run-c', 28, 'line 5\n', 35);
    await inRedis.saveSnapshot('job-2', 'run-c', 'diff 4', 35);
    expect(await redis.lrange(keys.rollout('job-2'), 0, -1)).toEqual([
      'line 1\nline 2\nline 3\nline 4\nline 5\n',
    ]);
    expect(files()).toEqual([]);
    const back = new CheckpointStore(redis, keys, dir);
    expect(await back.claim('job-2', 'run-d')).toMatchObject({ bytes: 35, patch: 'diff 4' });
    await back.append('job-2', 'run-d', 35, 'line 6\n', 42);
    expect(await redis.exists(keys.rollout('job-2'))).toBe(0);
    expect(await back.rollout('job-2')).toBe('line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n');

    // A finished job's files are removed with it.
    await back.expire('job-2', 60);
    expect(fs.existsSync(path.join(dir, 'job-2'))).toBe(false);
  });

  it('says which file is missing when the directory is not shared, and a restart drops the files', async () => {
    const dir = tempDir('spool-fleet-ckpt-');
    const keys = fleetKeys('t', 'dir');
    const store = new CheckpointStore(redis, keys, dir);
    await store.claim('job-3', 'run-a');
    await store.append('job-3', 'run-a', 0, 'line 1\n', 7);
    await store.saveSnapshot('job-3', 'run-a', 'diff', 7);
    fs.rmSync(path.join(dir, 'job-3', 'run-a.rollout.jsonl'));
    await expect(store.rollout('job-3')).rejects.toThrow(
      /checkpoint file .*run-a\.rollout\.jsonl is missing: is queue\.checkpoint_dir on storage every worker shares/,
    );
    fs.writeFileSync(path.join(dir, 'job-3', 'run-a.rollout.jsonl'), 'line');
    await expect(store.rollout('job-3')).rejects.toThrow(/holds 4 bytes, not the 7 recorded/);

    await store.claim('job-3', 'run-b');
    await store.reset('job-3', 'run-b');
    expect(await store.read('job-3')).toMatchObject({ bytes: 0 });
    expect(await store.rollout('job-3')).toBe('');
    expect(fs.readdirSync(path.join(dir, 'job-3'))).toEqual([]);

    // The checkpoint never makes a run read or remove anything but the job's checkpoint files.
    const elsewhere = path.join(tempDir('spool-fleet-other-'), 'keep.txt');
    fs.writeFileSync(elsewhere, 'keep\n');
    await redis.hset(
      keys.checkpoint('job-3'),
      'rollout_file',
      elsewhere,
      'bytes',
      '5',
      'patch_file',
      elsewhere,
    );
    await expect(store.rollout('job-3')).rejects.toThrow(
      /points at .*keep\.txt, which is not one of its checkpoint files/,
    );
    await expect(store.read('job-3')).rejects.toThrow(/not one of its checkpoint files/);
    await store.expire('job-3', 60);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('keep\n');
  });
});

describe('worktree snapshots', () => {
  it('restore edits, new, deleted and binary files on a fresh checkout of the commit', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n', 'gone.txt': 'bye\n' });
    const work = tempDir('spool-fleet-ws-');
    const first = await checkout(repo, 'main', path.join(work, 'first'));
    fs.writeFileSync(path.join(first.dir, 'a.txt'), 'one\ntwo\n');
    fs.rmSync(path.join(first.dir, 'gone.txt'));
    fs.mkdirSync(path.join(first.dir, 'new'));
    fs.writeFileSync(path.join(first.dir, 'new', 'b.bin'), Buffer.from([0, 1, 2, 255, 0, 10]));
    // Staged changes count as well, and the worktree's own index is left alone.
    execFileSync('git', ['add', 'a.txt'], { cwd: first.dir });
    const patch = await snapshot(first.dir, first.commit, path.join(work, 'scratch.index'));
    expect(
      execFileSync('git', ['diff', '--cached', '--name-only'], { cwd: first.dir, encoding: 'utf8' }).trim(),
    ).toBe('a.txt');

    const second = await checkout(repo, first.commit, path.join(work, 'second'));
    await restore(second.dir, patch);
    expect(fs.readFileSync(path.join(second.dir, 'a.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(fs.existsSync(path.join(second.dir, 'gone.txt'))).toBe(false);
    expect([...fs.readFileSync(path.join(second.dir, 'new', 'b.bin'))]).toEqual([0, 1, 2, 255, 0, 10]);

    await first.remove();
    await second.remove();
    expect(fs.existsSync(first.dir)).toBe(false);
    expect(
      execFileSync('git', ['worktree', 'list'], { cwd: repo, encoding: 'utf8' }).trim().split('\n'),
    ).toHaveLength(1);
  });

  it('clones a URL, and says so when a repository or ref does not exist', async () => {
    const repo = makeRepo();
    const work = tempDir('spool-fleet-ws-');
    execFileSync('git', ['branch', 'develop', 'main'], { cwd: repo });
    const clone = await checkout(`file://${repo}`, 'main', path.join(work, 'clone'));
    expect(fs.existsSync(path.join(clone.dir, 'README.md'))).toBe(true);
    // A review's base branch exists in the clone as it does in the repository.
    const branches = () =>
      execFileSync('git', ['branch', '--format=%(refname:short)'], { cwd: clone.dir, encoding: 'utf8' })
        .trim()
        .split('\n');
    expect(branches()).not.toContain('develop');
    await ensureLocalBranch(clone, `file://${repo}`, 'develop');
    await ensureLocalBranch(clone, `file://${repo}`, 'no-such-branch');
    expect(branches()).toContain('develop');
    await expect(checkout(repo, 'no-such-branch', path.join(work, 'x'))).rejects.toThrow(
      /has no ref no-such-branch/,
    );
    const missing = checkout(path.join(work, 'nothing'), 'main', path.join(work, 'y'));
    await expect(missing).rejects.toBeInstanceOf(WorkspaceError);
    await expect(missing).rejects.toMatchObject({ permanent: true });
  });
});
