import fs from 'node:fs';
import path from 'node:path';
import { Codex } from '@openai/codex-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { shapeProblems } from '../support/exec-json-shapes.js';
import { jsonLines, runSpool, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const EXEC = ['exec', '--skip-git-repo-check'];

/** A Spool home whose config.toml prices gpt-test at $2 / $0.50 / $8 per million tokens. */
function pricedHome(extra = ''): string {
  const home = tempDir('spool-home-');
  fs.writeFileSync(
    path.join(home, 'config.toml'),
    `[model_prices.gpt-test]\ninput = 2\ncached_input = 0.5\noutput = 8\n${extra}`,
  );
  return home;
}

function envFor(e: Emulator, home: string): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home };
}

/** USD of the emulator's requests at the test price, given the turn's output tokens. */
function expectedUsd(e: Emulator, outputTokens: number): number {
  let usd = (outputTokens * 8) / 1e6;
  for (const r of e.requests) usd += ((r.inputTokens - r.cachedTokens) * 2 + r.cachedTokens * 0.5) / 1e6;
  return usd;
}

describe('cost in exec', () => {
  it('prints the turn cost on stderr, cached and uncached input apart, and in --json as an extra field', async () => {
    const workdir = tempDir();
    const home = pricedHome();
    const script = () => [
      respond(shellCall('echo one')),
      respond(shellCall('echo two')),
      respond(say('Done.')),
    ];
    emulator = await startEmulator({ script: script() });
    const human = await runSpool([...EXEC, '-m', 'gpt-test', '-C', workdir, 'go'], {
      env: envFor(emulator, home),
    });
    expect(human.code, human.stderr).toBe(0);
    const summary = human.stderr.split('\n').find((l) => l.startsWith('tokens:'))!;
    const out = Number(/, (\d+) out/.exec(summary)![1]);
    const usd = expectedUsd(emulator, out);
    expect(summary).toContain(`cost $${usd.toFixed(4)} (uncached input $`);
    expect(summary).toMatch(/cached input \$0\.\d{4}, output \$0\.\d{4}\)/);
    await emulator.close();

    emulator = await startEmulator({ script: script() });
    const json = await runSpool([...EXEC, '--json', '-m', 'gpt-test', '-C', workdir, 'go'], {
      env: envFor(emulator, home),
    });
    const lines = jsonLines(json.stdout);
    expect(shapeProblems(lines)).toEqual([]);
    const completed = lines.find((l) => l.type === 'turn.completed') as {
      usage: { output_tokens: number };
      cost: Record<string, number>;
    };
    expect(completed.cost.usd).toBeCloseTo(expectedUsd(emulator, completed.usage.output_tokens), 10);
    expect(completed.cost.usd).toBeCloseTo(
      completed.cost.uncached_input_usd! + completed.cost.cached_input_usd! + completed.cost.output_usd!,
      12,
    );

    // A model without a price: unknown, never $0.
    await emulator.close();
    emulator = await startEmulator({ script: [respond(say('Hi.'))] });
    const unknown = await runSpool([...EXEC, '-m', 'gpt-unpriced-test', '-C', workdir, 'hi'], {
      env: envFor(emulator, home),
    });
    expect(unknown.stderr).toContain('cost unknown');
    expect(unknown.stderr).not.toContain('$0.00');
  });

  it('@openai/codex-sdk reads the stream with the cost fields in it', async () => {
    emulator = await startEmulator({ script: [respond(say('Priced answer.'))] });
    const codex = new Codex({
      codexPathOverride: SPOOL_BIN,
      baseUrl: emulator.url,
      apiKey: 'sdk-test-key',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SPOOL_HOME: pricedHome() },
    });
    const thread = codex.startThread({
      workingDirectory: tempDir(),
      skipGitRepoCheck: true,
      model: 'gpt-test',
    });
    const streamed = await thread.runStreamed('hi');
    const events: Array<Record<string, unknown>> = [];
    for await (const event of streamed.events) events.push(event as unknown as Record<string, unknown>);
    const completed = events.find((e) => e.type === 'turn.completed') as {
      usage: { input_tokens: number };
      cost: { usd: number };
    };
    expect(completed.usage.input_tokens).toBe(emulator.requests[0]!.inputTokens);
    expect(completed.cost.usd).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'item.completed')).toBe(true);
  });
});

describe('spend caps in exec', () => {
  it('stops at max_tokens with exit code 3 naming cap and spend; a resume with a raised cap continues', async () => {
    const workdir = tempDir();
    const probeHome = pricedHome();
    // The size of the first request, measured on a run without caps.
    emulator = await startEmulator({ script: [respond(say('probe'))] });
    await runSpool([...EXEC, '-m', 'gpt-test', '-C', workdir, 'do the work'], {
      env: envFor(emulator, probeHome),
    });
    const firstInput = emulator.requests[0]!.inputTokens;
    await emulator.close();

    // The first request fits; the second (the first one's tokens plus its own input) does not.
    const cap = Math.round(firstInput * 1.5);
    const home = pricedHome(`\n[profiles.capped]\nmax_tokens = ${cap}\n`);
    emulator = await startEmulator({
      script: [respond(shellCall('echo step-one > one.txt')), respond(say('Finished after resume.'))],
    });
    const capped = await runSpool(
      [...EXEC, '-p', 'capped', '-s', 'workspace-write', '-m', 'gpt-test', '-C', workdir, 'do the work'],
      {
        env: envFor(emulator, home),
      },
    );
    expect(capped.code, capped.stderr).toBe(3);
    expect(emulator.requests).toHaveLength(1);
    expect(capped.stderr).toMatch(
      new RegExp(`the session's max_tokens cap is ${cap} tokens and \\d+ have been used`),
    );
    expect(capped.stderr).toContain('resume the session to continue');
    expect(fs.readFileSync(path.join(workdir, 'one.txt'), 'utf8')).toBe('step-one\n');

    // The same cap still holds on resume (the session's spend is remembered)...
    const still = await runSpool(
      [...EXEC, '-p', 'capped', '-m', 'gpt-test', '-C', workdir, 'resume', '--last', 'continue'],
      {
        env: envFor(emulator, home),
      },
    );
    expect(still.code, still.stderr).toBe(3);
    expect(emulator.requests).toHaveLength(1);

    // ...and a raised one lets it go on from where it stopped.
    const resumed = await runSpool(
      [
        ...EXEC,
        '-p',
        'capped',
        '-c',
        `max_tokens=${cap * 100}`,
        '-m',
        'gpt-test',
        '-C',
        workdir,
        'resume',
        '--last',
        'continue',
      ],
      { env: envFor(emulator, home) },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe('Finished after resume.\n');
    expect(emulator.problems).toEqual([]);

    // The session list shows what it cost.
    const list = await runSpool(['sessions'], { env: envFor(emulator, home) });
    expect(list.stdout.split('\n')[0]).toMatch(/TOKENS\s+COST/);
    expect(list.stdout).toMatch(/\$0\.\d{4}/);
  });
});
