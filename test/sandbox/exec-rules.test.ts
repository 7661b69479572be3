import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decideRules,
  type ExecRule,
  loadExecRules,
  matchRules,
  parseExecRules,
  rulesFile,
  saveAllowRule,
} from '../../src/sandbox/approval/index.js';

const rules: ExecRule[] = [
  { prefix: ['git'], decision: 'allow' },
  { prefix: ['git', 'push'], decision: 'prompt', reason: 'pushes are reviewed' },
  { prefix: ['git', 'push', '--force'], decision: 'forbidden' },
  { prefix: ['npm', 'test'], decision: 'allow' },
  { prefix: ['curl'], decision: 'forbidden' },
];

describe('matching', () => {
  it('matches by exact word prefix; the strictest matching rule wins', () => {
    expect(matchRules(rules, [['git', 'status']])?.decision).toBe('allow');
    expect(matchRules(rules, [['git', 'push', 'origin']])).toMatchObject({ decision: 'prompt' });
    expect(matchRules(rules, [['git', 'push', '--force', 'origin']])?.decision).toBe('forbidden');
    expect(matchRules(rules, [['gitk']])).toBeUndefined();
    expect(matchRules(rules, [['npm']])).toBeUndefined();
  });

  it('across a script: strictest of all commands; allow only when every command is allowed', () => {
    expect(
      matchRules(rules, [
        ['npm', 'test'],
        ['git', 'status'],
      ])?.decision,
    ).toBe('allow');
    expect(matchRules(rules, [['npm', 'test'], ['make']])).toBeUndefined();
    expect(
      matchRules(rules, [
        ['npm', 'test'],
        ['curl', 'x'],
      ])?.decision,
    ).toBe('forbidden');
    expect(matchRules(rules, [['ls'], ['git', 'push']])?.decision).toBe('prompt');
  });

  it('forbidden and prompt rules see commands a plain parse gives up on', () => {
    const every = [
      ['echo', undefined],
      ['curl', 'http://x'],
    ];
    expect(decideRules(rules, { plain: undefined, every })?.decision).toBe('forbidden');
    // allow needs plain commands.
    expect(decideRules(rules, { plain: undefined, every: [['git', 'status']] })).toBeUndefined();
    expect(decideRules(rules, { plain: [['git', 'status']], every: [['git', 'status']] })?.decision).toBe(
      'allow',
    );
    // An unknown word never matches a rule word.
    expect(decideRules(rules, { plain: undefined, every: [[undefined, 'push']] })).toBeUndefined();
  });
});

describe('rules file', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'spool-rules-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('parses the TOML format and rejects mistakes', () => {
    const parsed = parseExecRules(
      'save_session_approvals = true\n[[rule]]\nprefix = ["git", "push"]\ndecision = "prompt"\nreason = "r"\n',
    );
    expect(parsed).toEqual({
      saveSessionApprovals: true,
      rules: [{ prefix: ['git', 'push'], decision: 'prompt', reason: 'r' }],
    });
    expect(() => parseExecRules('[[rule]]\nprefix = []\ndecision = "allow"\n')).toThrow(/prefix/);
    expect(() => parseExecRules('[[rule]]\nprefix = ["x"]\ndecision = "maybe"\n')).toThrow(/decision/);
    expect(() => parseExecRules('[[rule]]\nprefix = ["x"]\ndecision = "allow"\nextra = 1\n')).toThrow();
    expect(() => parseExecRules('[[rule]\n')).toThrow();
  });

  it('a missing file means no rules; a broken one is reported, not ignored', async () => {
    expect(await loadExecRules(home)).toMatchObject({ ok: true, rules: { rules: [] } });
    writeFileSync(rulesFile(home), 'rule = "x"');
    const broken = await loadExecRules(home);
    expect(broken.ok).toBe(false);
  });

  it('saves an allow rule once, keeping what was there', async () => {
    writeFileSync(rulesFile(home), '# mine\n[[rule]]\nprefix = ["curl"]\ndecision = "forbidden"\n');
    await saveAllowRule(home, ['npm', 'run', 'build "x"']);
    await saveAllowRule(home, ['npm', 'run', 'build "x"']);
    const text = readFileSync(rulesFile(home), 'utf8');
    expect(text.startsWith('# mine\n')).toBe(true);
    const loaded = await loadExecRules(home);
    expect(loaded.ok && loaded.rules.rules).toEqual([
      { prefix: ['curl'], decision: 'forbidden' },
      { prefix: ['npm', 'run', 'build "x"'], decision: 'allow' },
    ]);
  });
});
