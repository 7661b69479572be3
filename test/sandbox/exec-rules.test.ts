import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/sandbox/approval/command-analysis.js';
import {
  decideRules,
  type ExecRule,
  loadExecRules,
  parseExecRules,
  rulesFile,
  saveAllowRule,
} from '../../src/sandbox/approval/exec-rules.js';
import { bannedPrefixReason } from '../../src/sandbox/approval/rule-prefixes.js';

const rules: ExecRule[] = [
  { prefix: ['git', 'status'], decision: 'allow' },
  { prefix: ['git', 'push'], decision: 'prompt', reason: 'pushes are reviewed' },
  { prefix: ['git', 'push', '--force'], decision: 'forbidden' },
  { prefix: ['npm', 'test'], decision: 'allow' },
  { prefix: ['ls'], decision: 'allow' },
  { prefix: ['curl'], decision: 'forbidden' },
];
const bash = (script: string) => ['bash', '-lc', script];
const decide = async (ruleSet: ExecRule[], argv: string[]) =>
  decideRules(ruleSet, await analyzeCommand(argv));
const decision = async (ruleSet: ExecRule[], argv: string[]) => (await decide(ruleSet, argv))?.decision;

describe('matching', () => {
  it('matches by word prefix; the strictest matching rule wins', async () => {
    expect(await decision(rules, ['git', 'status'])).toBe('allow');
    expect(await decide(rules, ['git', 'push', 'origin'])).toMatchObject({ decision: 'prompt' });
    expect(await decision(rules, ['git', 'push', '--force', 'origin'])).toBe('forbidden');
    expect(await decision(rules, ['gitk'])).toBeUndefined();
    expect(await decision(rules, ['npm'])).toBeUndefined();
  });

  it('across a script: strictest of all commands; allow only when every command is allowed', async () => {
    expect(await decision(rules, bash('npm test && git status'))).toBe('allow');
    expect(await decision(rules, bash('npm test && make'))).toBeUndefined();
    expect(await decision(rules, bash('npm test; curl x'))).toBe('forbidden');
    expect(await decision(rules, bash('ls | git push'))).toBe('prompt');
  });

  it('forbidden and prompt rules see commands anywhere: redirections, substitutions, subshells', async () => {
    for (const script of ['echo $(curl x)', 'curl x > out', '(curl x)', 'for u in a; do curl $u; done']) {
      expect(await decision(rules, bash(script)), script).toBe('forbidden');
    }
    // allow needs a plain vector.
    expect(await decision(rules, bash('ls > out'))).toBeUndefined();
    expect(await decision(rules, bash('ls $(pwd)'))).toBeUndefined();
    expect(await decision(rules, bash('ls 2>/dev/null'))).toBe('allow');
  });
});

describe('rules match the program actually run', () => {
  const touch: ExecRule[] = [{ prefix: ['touch'], decision: 'forbidden' }];

  it('through paths, wrappers, shells and variables, a forbidden [touch] rule matches', async () => {
    for (const script of [
      'touch x',
      '/usr/bin/touch x',
      './touch x',
      'env touch x',
      'env -i A=1 touch x',
      'command touch x',
      'builtin touch x',
      'exec touch x',
      'timeout 5 touch x',
      'timeout -k 1 5 touch x',
      'nice -n 3 touch x',
      'nohup touch x',
      'time touch x',
      'stdbuf -oL touch x',
      'setsid touch x',
      'xargs touch',
      'find . -exec touch {} +',
      "sh -c 'touch x'",
      "bash -c 'touch x'",
      "bash --norc -c 'touch x'",
      "bash --norc --noprofile -lc 'touch x'",
      "dash -c 'echo && touch x'",
      "eval 'touch x'",
      'echo $(touch x)',
      'sudo touch x',
      'busybox touch x',
      'T=touch; $T x',
      '"$T" x',
      ['$', '{T} x'].join(''),
      '$(echo touch) x',
      'sh -c "$SCRIPT"',
      'eval "$CMD"',
      'echo touch | sh',
    ]) {
      expect(await decision(touch, bash(script)), script).toBe('forbidden');
    }
    // Not only inside a shell script: the argv itself.
    expect(await decision(touch, ['/usr/bin/touch', 'x'])).toBe('forbidden');
    expect(await decision(touch, ['env', 'touch', 'x'])).toBe('forbidden');
    expect(await decision(touch, ['timeout', '5', 'touch', 'x'])).toBe('forbidden');
  });

  it('does not match what cannot be touch', async () => {
    for (const script of ['echo touch', 'ls touch', 'command -v touch', 'touchy x', 'x$T z', 'git status']) {
      expect(await decision(touch, bash(script)), script).toBeUndefined();
    }
    // A computed word is matched where it could be the rule's word, not anywhere.
    const push: ExecRule[] = [{ prefix: ['git', 'push'], decision: 'forbidden' }];
    expect(await decision(push, bash('git "$SUB"'))).toBe('forbidden');
    expect(await decision(push, bash('"$GIT" push'))).toBe('forbidden');
    expect(await decision(push, bash('timeout $T git push'))).toBe('forbidden');
    expect(await decision(push, bash('"$GIT" status'))).toBeUndefined();
    expect(await decision(push, bash('git "p$X"'))).toBe('forbidden');
    expect(await decision(push, bash('git "s$X"'))).toBeUndefined();
    // Unreadable code could be any command, `git push` included.
    expect(await decision(push, bash('sh -c "$SCRIPT"'))).toBe('forbidden');
    expect(await decision(push, bash('$CMD'))).toBe('forbidden');
  });

  it('allow rules need the exact program and literal words, through every layer', async () => {
    const allow: ExecRule[] = [
      { prefix: ['touch'], decision: 'allow' },
      { prefix: ['ls'], decision: 'allow' },
    ];
    expect(await decision(allow, ['touch', 'x'])).toBe('allow');
    expect(await decision(allow, bash('touch x && ls'))).toBe('allow');
    // Transparent wrappers and shell scripts pass their work on: the command they run decides.
    expect(await decision(allow, bash('timeout 5 touch x'))).toBe('allow');
    expect(await decision(allow, bash("sh -c 'touch x'"))).toBe('allow');
    for (const argv of [
      ['/usr/bin/touch', 'x'],
      ['./touch', 'x'],
      bash('touch $X'),
      bash('$T x'),
      bash('env touch x'),
      bash('sudo touch x'),
      bash('ls | xargs touch'),
      bash('FOO=1 touch x'),
      bash('touch x > f'),
      bash('sh -c "$S"'),
    ]) {
      expect(await decision(allow, argv), argv.join(' ')).toBeUndefined();
    }
    // find runs what -exec names: both must be allowed.
    const find: ExecRule[] = [{ prefix: ['find'], decision: 'allow' }];
    expect(await decision(find, ['find', '.', '-name', 'x'])).toBe('allow');
    expect(await decision(find, ['find', '.', '-exec', 'rm', '{}', '+'])).toBeUndefined();
  });
});

describe('prefixes that may not be allow rules', () => {
  it('refuses bare interpreters, shells and multi-tools', () => {
    for (const prefix of [
      ['python'],
      ['python3', '-c'],
      ['python3', '-'],
      ['node'],
      ['node', '-e'],
      ['bash'],
      ['bash', '-lc'],
      ['/bin/bash', '-lc'],
      ['sh', '-c'],
      ['zsh'],
      ['perl', '-e'],
      ['git'],
      ['git', '-C', 'repo'],
      ['git', '-c', 'core.pager=less'],
      ['env'],
      ['env', 'FOO=1'],
      ['env', 'python3'],
      ['sudo', 'apt', 'install'],
      ['timeout', '5'],
      ['nice'],
      ['xargs', 'rm'],
      ['eval'],
      ['npx'],
      // What cannot be shown as it is cannot be approved as shown.
      ['touch\r\u001b[K', 'x'],
      ['git', 'status\u202e'],
      ['ls\u200b'],
    ]) {
      expect(bannedPrefixReason(prefix), prefix.join(' ')).toBeDefined();
    }
  });

  it('accepts prefixes that pin what runs', () => {
    for (const prefix of [
      ['git', 'status'],
      ['git', '-C', 'repo', 'log'],
      ['python3', 'tools/gen.py'],
      ['npm', 'test'],
      ['env', 'FOO=1', 'make'],
      ['timeout', '60', 'make', 'test'],
      ['pytest'],
      ['bash', 'scripts/build.sh'],
      ['find', '.'],
    ]) {
      expect(bannedPrefixReason(prefix), prefix.join(' ')).toBeUndefined();
    }
  });
});

describe('rules file', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'spool-rules-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('parses the TOML format and rejects mistakes', () => {
    // save_session_approvals is accepted from old files, and does nothing.
    const parsed = parseExecRules(
      'save_session_approvals = true\n[[rule]]\nprefix = ["git", "push"]\ndecision = "prompt"\nreason = "r"\n',
    );
    expect(parsed).toEqual({ rules: [{ prefix: ['git', 'push'], decision: 'prompt', reason: 'r' }] });
    // An allow rule for a bare interpreter or multi-tool is refused by name, not ignored.
    expect(() => parseExecRules('[[rule]]\nprefix = ["python3"]\ndecision = "allow"\n')).toThrow(
      /rule\.0: an allow rule for \[python3\] is refused/,
    );
    expect(parseExecRules('[[rule]]\nprefix = ["python3"]\ndecision = "forbidden"\n').rules).toHaveLength(1);
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

  it('refuses to save a prefix that may not be a rule, and says why', async () => {
    await expect(saveAllowRule(home, ['bash', '-lc'])).rejects.toThrow(
      /cannot be an allow rule: bash is an interpreter/,
    );
    await expect(loadExecRules(home)).resolves.toMatchObject({ ok: true, rules: { rules: [] } });
  });
});
