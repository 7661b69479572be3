/**
 * `spool sessions`: the listing (id, start, cwd, first prompt, turns, tokens), the index that keeps
 * it fast (rebuilt when deleted, refreshed when a session grows), id prefixes, `sessions show`, and
 * 10,000 sessions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSession } from '../../src/store/find.js';
import { indexPath } from '../../src/store/paths.js';
import { listSessions } from '../../src/store/session-index.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { generateSessions } from './generate.js';

const sessionsOf = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;

describe('session list and index', () => {
  it('lists summaries, rebuilds a deleted index, and refreshes a session that grew', () => {
    const home = tempDir('spool-home-');
    const generated = generateSessions(home, 12, ['/work/a', '/work/b']);
    const cold = listSessions(home);
    expect(cold).toHaveLength(12);
    const first = cold.find((s) => s.id === generated[5]!.id)!;
    expect(first).toMatchObject({
      cwd: '/work/b',
      first_prompt: 'Task 5: fix the TODOs in module 5',
      turns: 2,
      tokens: { input_tokens: 9000, cached_input_tokens: 4500, output_tokens: 140 },
    });
    const indexed = fs.readFileSync(indexPath(home), 'utf8').trim().split('\n');
    expect(indexed).toHaveLength(12);

    // Deleted: rebuilt from the rollout files, the same listing.
    fs.rmSync(indexPath(home));
    expect(listSessions(home)).toEqual(cold);
    expect(fs.existsSync(indexPath(home))).toBe(true);

    // A session that grew (its size and mtime changed) is summarised again from where it was.
    const grown = generated[5]!;
    const extra = fs.readFileSync(grown.path, 'utf8').split('\n').slice(4).join('\n'); // its turns again
    fs.appendFileSync(grown.path, extra);
    const refreshed = listSessions(home).find((s) => s.id === grown.id)!;
    expect(refreshed.turns).toBe(4);
    expect(refreshed.tokens.input_tokens).toBe(18000);
    expect(refreshed.first_prompt).toBe(first.first_prompt);

    // A deleted session disappears; a corrupt index line is ignored, then the index is rewritten.
    fs.rmSync(generated[0]!.path);
    fs.appendFileSync(indexPath(home), '{"v":1,"path":\n');
    expect(listSessions(home).map((s) => s.id)).not.toContain(generated[0]!.id);
    const rewritten = fs.readFileSync(indexPath(home), 'utf8').trim().split('\n');
    expect(rewritten).toHaveLength(11);
    for (const line of rewritten) expect(() => JSON.parse(line)).not.toThrow();
    expect(listSessions(home)).toHaveLength(11);
  });

  it('resolves unique prefixes, rejects ambiguous ones, picks the latest in a directory', () => {
    const home = tempDir('spool-home-');
    const generated = generateSessions(home, 6, ['/work/a', '/work/b']);
    const target = generated[3]!;
    expect(findSession(home, { id: target.id.slice(0, 30) }).id).toBe(target.id);
    // UUIDv7 ids of sessions started close together share their first characters.
    expect(() => findSession(home, { id: target.id.slice(0, 4) })).toThrow(/matches \d+ sessions; give more/);
    expect(() => findSession(home, { id: 'ffffffff' })).toThrow(/no session matches ffffffff/);
    const newestInA = generated.filter((s) => s.cwd === '/work/a').at(-1)!;
    const mtime = new Date(Date.now() + 60_000);
    fs.utimesSync(newestInA.path, mtime, mtime);
    expect(findSession(home, { last: true, cwd: '/work/a' }).id).toBe(newestInA.id);
    expect(() => findSession(home, { last: true, cwd: '/work/c' })).toThrow(
      /no recorded session in \/work\/c/,
    );
  });

  it('prints a list, filters by directory, and shows a session as Markdown (the built binary)', async () => {
    const home = tempDir('spool-home-');
    const generated = generateSessions(home, 5, ['/work/a', '/work/b']);
    const env = { SPOOL_HOME: home };
    const all = await runSpool(['sessions', '--json'], { env });
    expect(all.code).toBe(0);
    const listed = sessionsOf(all.stdout);
    expect(listed.map((s) => s.id)).toEqual(generated.map((s) => s.id).reverse());
    const inB = sessionsOf((await runSpool(['sessions', '--json', '--cwd', '/work/b'], { env })).stdout);
    expect(inB.map((s) => s.cwd)).toEqual(['/work/b', '/work/b']);

    const table = await runSpool(['sessions'], { env });
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID\s+STARTED\s+TURNS\s+TOKENS\s+COST\s+DIRECTORY\s+FIRST PROMPT$/,
    );
    expect(table.stdout).toContain(`${generated[2]!.id}  `);
    expect(table.stdout).toMatch(/Task 2: fix the TODOs in module 2/);

    const shown = await runSpool(['sessions', 'show', generated[2]!.id.slice(0, 30)], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^# Session ${generated[2]!.id}\n`));
    expect(shown.stdout).toContain('## Turn 3');
    expect(shown.stdout).toContain('**User**\n\nTask 2: fix the TODOs in module 2');
    expect(shown.stdout).toContain('**Tool call** `shell` (call_0)');
    expect(shown.stdout).toContain('_Turn completed · tokens: 4,500 input (2,250 cached), 70 output_');

    const missing = await runSpool(['sessions', 'show', 'ffff'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/spool sessions show: no session matches ffff/);
  });

  it('lists 10,000 sessions: cold (index rebuilt) and warm', async () => {
    const home = tempDir('spool-home-');
    generateSessions(home, 10_000, ['/work/a', '/work/b', '/work/c']);
    const env = { SPOOL_HOME: home };
    let start = performance.now();
    const cold = await runSpool(['sessions', '--json'], { env });
    const coldMs = performance.now() - start;
    expect(cold.code, cold.stderr).toBe(0);
    expect(sessionsOf(cold.stdout)).toHaveLength(10_000);
    start = performance.now();
    const warm = await runSpool(['sessions', '--json', '--cwd', '/work/b'], { env });
    const warmMs = performance.now() - start;
    expect(sessionsOf(warm.stdout)).toHaveLength(3_333);
    process.stdout.write(
      `spool sessions, 10,000 sessions: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms\n`,
    );
    // Generous bounds for loaded CI machines; bench/sessions.ts measures properly.
    expect(warmMs).toBeLessThan(5_000);
    expect(path.isAbsolute(sessionsOf(warm.stdout)[0]!.path as string)).toBe(true);
  }, 120_000);
});
