/**
 * `spool eval incidents` through the built binary against a scripted reviewer (the emulator): a
 * case caught, one missed with a false positive, one caught within the tolerance beside a false
 * positive, one that cannot be read — exact catch rate, precision and cost per catch; the judge's
 * structured verdicts; reports in Markdown, JSON and HTML; and `--offline` re-runs from the
 * recordings, without a model, with identical results.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { makeCorpus, scriptedReviewer } from './corpus-fixture.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: report JSON, walked by field name
type Json = Record<string, any>;

const CASES = [
  { id: 'alpha', bundle: true },
  { id: 'beta', bundle: false },
  { id: 'gamma', bundle: true },
  { id: 'delta', bundle: true, toml: 'title = "no culprit"\n' },
];

/** The report without what differs between two runs of the same thing (time, ids, mode). */
function comparable(report: Json): Json {
  const { started_at: _s, duration_ms: _d, mode: _m, ...rest } = report;
  return {
    ...rest,
    cases: (report.cases as Json[]).map(({ duration_ms: _t, review_id: _r, ...c }) => c),
  };
}

describe('spool eval incidents', { timeout: 240_000 }, () => {
  it('gives exact metrics for scripted catches, misses and false positives, and re-runs offline identically', async () => {
    const corpus = makeCorpus(CASES);
    emulator = await startEmulator({ script: scriptedReviewer });
    const home = tempDir('spool-eval-home-');
    const out = tempDir('spool-eval-out-');
    const online = await runSpool(
      [
        'eval',
        'incidents',
        corpus,
        '--concurrency',
        '2',
        '--out',
        out,
        '--record',
        '--label',
        'scripted',
        '--json',
      ],
      { env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home }, timeoutMs: 120_000 },
    );
    expect(online.code, online.stderr).toBe(0);
    const report = JSON.parse(online.stdout) as Json;
    const byId = Object.fromEntries((report.cases as Json[]).map((c) => [c.id, c]));
    expect(byId.alpha).toMatchObject({
      status: 'caught',
      findings: 1,
      true_positives: 1,
      false_positives: [],
    });
    expect(byId.alpha.matching_finding).toMatchObject({ number: 1, title: 'Off by one in alpha' });
    expect(byId.beta).toMatchObject({ status: 'missed', findings: 1, true_positives: 0 });
    expect(byId.beta.false_positives).toMatchObject([{ number: 1, title: 'Naming in beta' }]);
    expect(byId.gamma).toMatchObject({ status: 'caught', findings: 2, true_positives: 1 });
    expect(byId.gamma.matching_finding).toMatchObject({ number: 2, title: 'Off by one in gamma' });
    expect(byId.gamma.false_positives).toMatchObject([{ number: 1, title: 'Style in gamma' }]);
    expect(byId.delta.status).toBe('failed');
    expect(byId.delta.error).toMatch(/case\.toml: .*what_went_wrong/);
    const o = report.overall as Json;
    expect(o).toMatchObject({
      cases: 4,
      evaluated: 3,
      failed: 1,
      caught: 2,
      catch_rate: 2 / 3,
      findings: 4,
      true_positives: 2,
      false_positives: 2,
      precision: 0.5,
    });
    // Wilson 95 % interval for 2 of 3.
    expect(o.catch_rate_ci95[0]).toBeCloseTo(0.2077, 3);
    expect(o.catch_rate_ci95[1]).toBeCloseTo(0.9385, 3);
    // Every case's tokens were counted and priced (gpt-5-codex is in the catalog).
    for (const c of [byId.alpha, byId.beta, byId.gamma]) expect(c.tokens.input).toBeGreaterThan(0);
    const cost = [byId.alpha, byId.beta, byId.gamma].reduce((sum, c) => sum + c.cost_usd, 0);
    expect(o.cost_usd).toBeCloseTo(cost, 12);
    expect(o.cost_per_catch_usd).toBeCloseTo(cost / 2, 12);
    // Each reviewer read the file in its own checkout (the tool ran there): 2 requests per case.
    expect(emulator.requests).toHaveLength(6);

    // The reports.
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('| catch rate | 66.7 % (95 % CI 20.8 %–93.9 %) |');
    expect(markdown).toContain(
      '| precision | 50.0 % (2 of 4 findings at a culprit location; 2 false positives) |',
    );
    expect(markdown).toMatch(/\| cost per catch \| \$\d/);
    expect(markdown).toContain('- **delta**: ');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'))).toEqual(report);
    // Recordings went into the corpus (for CI) and the output directory.
    for (const id of ['alpha', 'beta', 'gamma']) {
      expect(fs.existsSync(path.join(corpus, id, 'recordings', 'scripted.review.jsonl'))).toBe(true);
      expect(fs.existsSync(path.join(out, 'recordings', id, 'scripted.review.jsonl'))).toBe(true);
    }
    // The user's own sessions are not where the reviewers' sessions went.
    expect(fs.existsSync(path.join(home, 'sessions'))).toBe(false);

    // Offline: no model at all (no base URL, no key), the same results.
    await emulator.close();
    emulator = undefined;
    const offline = await runSpool(['eval', 'incidents', corpus, '--offline', '--out', tempDir(), '--json'], {
      env: { SPOOL_HOME: home },
      timeoutMs: 120_000,
    });
    expect(offline.code, offline.stderr).toBe(0);
    const replayed = JSON.parse(offline.stdout) as Json;
    expect(replayed.mode).toBe('offline');
    expect(comparable(replayed)).toEqual(comparable(report));
  });

  it('asks a judge with structured output, counts its verdicts, and replays the judge offline too', async () => {
    const corpus = makeCorpus(CASES.slice(0, 3));
    emulator = await startEmulator({ script: scriptedReviewer });
    const out = tempDir('spool-eval-out-');
    const env = { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: tempDir() };
    const run = await runSpool(
      [
        'eval',
        'incidents',
        corpus,
        '--judge',
        'gpt-5',
        '--out',
        out,
        '--record',
        '--label',
        'judged',
        '--json',
      ],
      { env, timeoutMs: 120_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Json;
    const judgeRequests = emulator.requests.filter((r) =>
      String((r.body as Json).instructions).includes('You judge code reviews'),
    );
    expect(judgeRequests).toHaveLength(3);
    for (const request of judgeRequests) {
      expect((request.body as Json).model).toBe('gpt-5');
      expect((request.body as Json).text.format).toMatchObject({ type: 'json_schema', strict: true });
    }
    const byId = Object.fromEntries((report.cases as Json[]).map((c) => [c.id, c]));
    expect(byId.alpha).toMatchObject({ status: 'caught', judge: { prevented: true, finding: 1 } });
    // gamma's finding is at the culprit, but the judge says it would not have prevented the incident.
    expect(byId.gamma).toMatchObject({ status: 'missed', true_positives: 1, judge: { prevented: false } });
    expect(report.overall).toMatchObject({ caught: 1, evaluated: 3, catch_rate: 1 / 3 });
    expect(report.judge_model).toBe('gpt-5');

    // A second configuration, side by side in the HTML page of the same output directory.
    const second = await runSpool(
      ['eval', 'incidents', corpus, '--out', out, '--label', 'no-judge', '--json'],
      {
        env,
        timeoutMs: 120_000,
      },
    );
    expect(second.code, second.stderr).toBe(0);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('<td>judged</td>');
    expect(html).toContain('<td>no-judge</td>');
    expect(html).toContain('33.3 %');
    expect(html).toContain('66.7 %');
    // Self-contained: nothing is fetched.
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toContain('<script');

    await emulator.close();
    emulator = undefined;
    const offline = await runSpool(
      [
        'eval',
        'incidents',
        corpus,
        '--offline',
        '--judge',
        'gpt-5',
        '--label',
        'judged',
        '--out',
        tempDir(),
        '--json',
      ],
      { env: { SPOOL_HOME: tempDir() }, timeoutMs: 120_000 },
    );
    expect(offline.code, offline.stderr).toBe(0);
    expect(comparable(JSON.parse(offline.stdout) as Json)).toEqual(comparable(report));
  });
});
