/**
 * The starter corpus (eval/corpus/npm-regressions: five regressions from npm packages' history)
 * runs offline from its recordings through the built binary, as CI runs it: no model, the recorded
 * scripted reviewer's results exactly; and every case says where it comes from.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { ROOT, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { STARTER_CASES } from './starter-reviewer.js';

const CORPUS = path.join(ROOT, 'eval/corpus/npm-regressions');

describe('the starter corpus', { timeout: 240_000 }, () => {
  it('has five to ten cases, each with its provenance, a bundle holding base and culprit, and recordings', () => {
    const cases = fs
      .readdirSync(CORPUS)
      .filter((name) => fs.existsSync(path.join(CORPUS, name, 'case.toml')));
    expect(cases.length).toBeGreaterThanOrEqual(5);
    expect(cases.length).toBeLessThanOrEqual(10);
    expect(cases.sort()).toEqual(Object.keys(STARTER_CASES).sort());
    for (const name of cases) {
      const dir = path.join(CORPUS, name);
      // biome-ignore lint/suspicious/noExplicitAny: case.toml, walked by key
      const c = parse(fs.readFileSync(path.join(dir, 'case.toml'), 'utf8')) as Record<string, any>;
      expect(c.provenance).toMatchObject({
        package: expect.any(String),
        base_version: expect.any(String),
        culprit_version: expect.any(String),
        fix_version: expect.any(String),
        changelog: expect.any(String),
        culprit_lines_from: expect.any(String),
      });
      const heads = execFileSync('git', ['bundle', 'list-heads', path.join(dir, c.repository)], {
        encoding: 'utf8',
      });
      expect(heads).toContain(c.culprit);
      expect(fs.existsSync(path.join(dir, 'recordings', 'scripted-reviewer.review.jsonl'))).toBe(true);
    }
  });

  it('runs offline from its recordings with the recorded results', async () => {
    const out = tempDir('spool-starter-out-');
    const run = await runSpool(['eval', 'incidents', CORPUS, '--offline', '--out', out, '--json'], {
      env: { SPOOL_HOME: tempDir('spool-starter-home-') },
      timeoutMs: 180_000,
    });
    expect(run.code, run.stderr).toBe(0);
    // biome-ignore lint/suspicious/noExplicitAny: report JSON, walked by key
    const report = JSON.parse(run.stdout) as Record<string, any>;
    expect(report).toMatchObject({ label: 'scripted-reviewer', mode: 'offline' });
    const status = Object.fromEntries(
      (report.cases as Array<Record<string, string>>).map((c) => [c.id, c.status]),
    );
    expect(status).toEqual({
      'async-1.1.0-eachseries-tick': 'missed',
      'handlebars-4.0.9-object-assign': 'caught',
      'moment-2.10.5-copy-invalid-date': 'caught',
      'moment-2.11.0-date-now-captured': 'missed',
      'qs-6.13.2-robustness-refactor': 'caught',
    });
    expect(report.overall).toMatchObject({
      evaluated: 5,
      caught: 3,
      findings: 5,
      true_positives: 4,
      precision: 0.8,
    });
    expect(report.overall.cost_per_catch_usd).toBeGreaterThan(0);
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('| catch rate | 60.0 % (95 % CI 23.1 %–88.2 %) |');
    expect(markdown).toContain(
      '| precision | 80.0 % (4 of 5 findings at a culprit location; 1 false positive) |',
    );
  });
});
