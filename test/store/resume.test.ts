/**
 * Resume as a library: the rebuilt history makes the next request byte-identical to an
 * uninterrupted run's, a log cut mid-response rebuilds to exactly what the live loop commits when
 * its stream is interrupted, and a session is held by one thread at a time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { turnAbortedMessage } from '../../src/context/turn-aborted.js';
import { responsesRequestBody } from '../../src/model/responses-client.js';
import { resumeSession, startSession } from '../../src/session/recorded.js';
import { SessionLockedError } from '../../src/store/errors.js';
import { lockPathFor } from '../../src/store/paths.js';
import { readRollout } from '../../src/store/rollout-reader.js';
import { forkSession, openSession } from '../../src/store/sessions.js';
import { renderTranscript } from '../../src/store/transcript.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator, think } from '../emulator/index.js';
import { clientFor, tempDir, testSettings } from '../support/thread.js';
import { echoTool, type RunLog } from '../support/tools.js';
import { until } from './support.js';

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function emulatorWith(options: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const e = await startEmulator(options);
  emulators.push(e);
  return e;
}

/** Two turns: a tool call then an answer, then an answer. Deterministic outputs (no timings). */
function twoTurnScript() {
  return [
    respond(think('look', 'gAAAAAstate-1'), call('echo', { text: 'hello' }, 'call_a')),
    respond(say('Said hello.')),
    respond(say('Second answer.')),
  ];
}

function runtime(e: Emulator, cwd: string, home: string, log: RunLog = { runs: [] }) {
  return {
    client: clientFor('responses', e.url),
    // Enough context for the emulated provider to cache a prefix (it caches from 1,024 tokens).
    settings: testSettings({ cwd, spoolHome: home, developerInstructions: 'Be brief. '.repeat(600) }),
    tools: new ToolRegistry([echoTool(log)]),
  };
}

const wireBody = (request: ReturnType<typeof startSession>['thread']['buildRequest']) =>
  JSON.stringify(responsesRequestBody(request()));

describe('resume (library)', () => {
  it('sends, after resume, exactly the bytes an uninterrupted run sends', async () => {
    const cwd = tempDir();
    // The uninterrupted run: two turns in one thread.
    const homeU = tempDir('spool-home-');
    const eU = await emulatorWith({ script: twoTurnScript() });
    const uninterrupted = startSession({ ...runtime(eU, cwd, homeU), home: homeU, providerId: 'openai' });
    expect((await uninterrupted.thread.runTurn('first')).status).toBe('completed');
    expect((await uninterrupted.thread.runTurn('second')).status).toBe('completed');
    await uninterrupted.thread.close();

    // The same conversation, with the process "restarting" between the turns.
    const home = tempDir('spool-home-');
    const e = await emulatorWith({ script: twoTurnScript() });
    const first = startSession({ ...runtime(e, cwd, home), home, providerId: 'openai' });
    expect((await first.thread.runTurn('first')).status).toBe('completed');
    const liveNext = wireBody(() => first.thread.buildRequest());
    await first.thread.close();

    const resumed = resumeSession({ ...runtime(e, cwd, home), home, session: { id: first.thread.id } });
    expect(resumed.thread.id).toBe(first.thread.id);
    expect(wireBody(() => resumed.thread.buildRequest())).toBe(liveNext);
    expect(resumed.lastTurnContext).toMatchObject({ cwd, model: 'gpt-test' });
    expect((await resumed.thread.runTurn('second')).status).toBe('completed');
    await resumed.thread.close();

    // Byte for byte on the wire; only the thread id (the prompt cache key) differs between the runs.
    const expected = eU.requests[2]!.bodyText.replaceAll(uninterrupted.thread.id, first.thread.id);
    expect(e.requests[2]!.bodyText).toBe(expected);
    // And the provider's prefix cache is warm for the resumed request.
    expect(e.requests[2]!.cachedTokens).toBe(eU.requests[2]!.cachedTokens);
    expect(e.requests[2]!.cachedTokens).toBeGreaterThan(0);
    expect(e.problems).toEqual([]);
  });

  it('restores a compacted history: the log starts over from the compacted form', async () => {
    const cwd = tempDir();
    const home = tempDir('spool-home-');
    const e = await emulatorWith({ script: [...twoTurnScript(), respond(say('Third answer.'))] });
    const session = startSession({ ...runtime(e, cwd, home), home, providerId: 'openai' });
    await session.thread.runTurn('first');
    expect(await session.thread.compact()).toBe(true);
    expect(session.thread.history.some((item) => item.type === 'compaction')).toBe(true);
    await session.thread.runTurn('second');
    const liveNext = wireBody(() => session.thread.buildRequest());
    const liveHistory = [...session.thread.history];
    await session.thread.close();

    const read = readRollout(session.path);
    expect(read.history).toEqual(liveHistory);
    expect(fs.readFileSync(session.path, 'utf8')).toMatch(/"type":"compacted"/);
    const transcript = renderTranscript(session.path);
    expect(transcript).toMatch(/_Context compacted \(manual, remote\): [\d,]+ → [\d,]+ tokens_/);
    expect(transcript).toContain('_The history was replaced by its compacted form');
    const resumed = resumeSession({ ...runtime(e, cwd, home), home, session: { id: session.thread.id } });
    expect(wireBody(() => resumed.thread.buildRequest())).toBe(liveNext);
    expect((await resumed.thread.runTurn('third')).status).toBe('completed');
    await resumed.thread.close();
    expect(e.problems).toEqual([]);
  });

  it('rebuilds a log cut mid-response into what the live loop commits when the stream is interrupted', async () => {
    const cwd = tempDir();
    const home = tempDir('spool-home-');
    const log: RunLog = { runs: [] };
    // The stream stalls after both calls arrived; the first tool finishes, the second is slow.
    const e = await emulatorWith({
      script: [
        respond(
          think('two calls', 'gAAAAAstate'),
          call('echo', { text: 'quick' }, 'call_quick'),
          call('echo', { text: 'slow', delay_ms: 30_000 }, 'call_slow'),
          say('a message after the calls'),
          // created + in_progress, reasoning (6 events), the calls (4 and 5), the message (7).
          { fault: { kind: 'stall', afterEvents: 2 + 6 + 4 + 5 + 7 } },
        ),
      ],
    });
    const session = startSession({ ...runtime(e, cwd, home, log), home, providerId: 'openai' });
    const done = session.thread.runTurn('go');
    await until(() => fs.readFileSync(session.path, 'utf8').includes('"tool_output"'), 'the quick output');
    await until(() => log.runs.length === 2, 'both tools started');

    // What a kill -9 at this moment leaves on disk (every write is synchronous):
    const crashed = readRollout(session.path);

    session.thread.interrupt();
    expect((await done).status).toBe('interrupted');
    // The live loop adds only the notice that the user stopped the turn.
    expect([...crashed.history, turnAbortedMessage()]).toEqual(session.thread.history);
    expect(crashed.history.slice(-5).map((item) => item.type)).toEqual([
      'reasoning',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
    ]);
    expect(crashed.history.at(-1)).toEqual({
      type: 'function_call_output',
      call_id: 'call_slow',
      output: 'aborted',
    });
    await session.thread.close();
  });

  it('lets one thread hold a session; a dead holder’s lock is taken over', async () => {
    const cwd = tempDir();
    const home = tempDir('spool-home-');
    const e = await emulatorWith({ script: [respond(say('hi'))] });
    const session = startSession({ ...runtime(e, cwd, home), home, providerId: 'openai' });
    expect(() => openSession(home, { id: session.thread.id })).toThrow(SessionLockedError);
    expect(() => openSession(home, { id: session.thread.id })).toThrow(
      new RegExp(`session ${session.thread.id} is in use by process ${process.pid}`),
    );
    await session.thread.close();

    // A lock left by a process that no longer exists.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout.trim());
    const lock = lockPathFor(session.path);
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: deadPid, host: (await import('node:os')).hostname(), since: 'x' }),
    );
    const opened = openSession(home, { id: session.thread.id });
    expect(JSON.parse(fs.readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    opened.release();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('forks at a turn: the fork, resumed, sends what the original sent at that turn', async () => {
    const cwd = tempDir();
    const home = tempDir('spool-home-');
    const e = await emulatorWith({ script: [...twoTurnScript(), respond(say('Forked answer.'))] });
    const original = startSession({ ...runtime(e, cwd, home), home, providerId: 'openai' });
    await original.thread.runTurn('first');
    await original.thread.runTurn('second');
    await original.thread.close();
    const originalBytes = fs.readFileSync(original.path);

    const fork = forkSession(home, { id: original.thread.id }, { at: 1 });
    expect(fork.meta.forked_from).toEqual({ thread_id: original.thread.id, turn: 1 });
    expect(fs.readFileSync(original.path)).toEqual(originalBytes);
    const resumed = resumeSession({ ...runtime(e, cwd, home), home, session: { id: fork.id } });
    await resumed.thread.runTurn('second');
    await resumed.thread.close();
    const expected = e.requests[2]!.bodyText.replaceAll(original.thread.id, fork.id);
    expect(e.requests[3]!.bodyText).toBe(expected);
  });
});
