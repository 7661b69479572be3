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
import { checkout, restore, snapshot, WorkspaceError } from '../../src/fleet/workspace.js';
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
    const clone = await checkout(`file://${repo}`, 'main', path.join(work, 'clone'));
    expect(fs.existsSync(path.join(clone.dir, 'README.md'))).toBe(true);
    await expect(checkout(repo, 'no-such-branch', path.join(work, 'x'))).rejects.toThrow(
      /has no ref no-such-branch/,
    );
    const missing = checkout(path.join(work, 'nothing'), 'main', path.join(work, 'y'));
    await expect(missing).rejects.toBeInstanceOf(WorkspaceError);
    await expect(missing).rejects.toMatchObject({ permanent: true });
  });
});
