import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Thread } from '../../src/agent/thread.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { clientFor, tempDir, testSettings } from '../support/thread.js';
import { echoTool } from '../support/tools.js';

const GOLDEN = path.join(import.meta.dirname, 'golden/first-request.json');
const ACTUAL = path.join(import.meta.dirname, 'golden/first-request.actual.json');
const FIXED_NOW = new Date('2026-03-04T10:00:00Z');

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});
beforeAll(() => {
  process.env.TZ = 'UTC';
});

/** A repository with instructions at several levels, an override, and a home-wide file. */
function fixtureRepo(): { root: string; cwd: string; home: string } {
  const root = tempDir('spool-golden-');
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'repo/packages/app');
  fs.mkdirSync(path.join(root, 'repo/.git'), { recursive: true });
  fs.writeFileSync(path.join(root, 'repo/.git/HEAD'), 'ref: refs/heads/main\n');
  fs.mkdirSync(cwd, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'AGENTS.md'), 'Always answer in English.\n');
  fs.writeFileSync(path.join(root, 'repo/AGENTS.md'), '# Repo rules\nRun `npm test` before finishing.\n');
  fs.writeFileSync(path.join(root, 'repo/packages/AGENTS.md'), 'Packages are independent.\n');
  fs.writeFileSync(path.join(cwd, 'AGENTS.md'), 'This file is overridden and must not appear.\n');
  fs.writeFileSync(path.join(cwd, 'AGENTS.override.md'), 'App rule: keep components small.\n');
  // Above the git root: must not be read.
  fs.writeFileSync(path.join(root, 'AGENTS.md'), 'Outside the repository.\n');
  return { root, cwd, home };
}

describe('the first request of a thread', () => {
  it('matches the golden request, layer by layer', async () => {
    const { root, cwd, home } = fixtureRepo();
    emulator = await startEmulator({ script: [respond(say('ok'))] });
    const thread = new Thread({
      client: clientFor('responses', emulator.url),
      settings: testSettings({
        cwd,
        spoolHome: home,
        model: 'gpt-5-codex',
        reasoning: { effort: 'medium', summary: 'auto' },
        sandbox: {
          mode: 'workspace-write',
          writableRoots: [],
          networkAccess: false,
          excludeSlashTmp: false,
          excludeTmpdirEnvVar: true,
        },
        approvalPolicy: 'on-request',
        developerInstructions: 'Prefer small commits.',
        shellEnv: { SHELL: '/bin/zsh', PATH: '/usr/bin' },
      }),
      tools: new ToolRegistry([echoTool({ runs: [] })]),
      id: '00000000-0000-7000-8000-000000000000',
      clock: () => FIXED_NOW,
    });
    await thread.runTurn('Add a button.');
    const actual = emulator.requests[0]!.bodyText.split(root).join('$ROOT');
    const golden = fs.readFileSync(GOLDEN, 'utf8');
    // The golden file is never rewritten by a run: a difference leaves the actual request beside it
    // (git-ignored) to review, and copying it over the golden file is a deliberate, reviewed change.
    if (actual !== JSON.stringify(JSON.parse(golden)))
      fs.writeFileSync(ACTUAL, `${JSON.stringify(JSON.parse(actual), null, 2)}\n`);
    else fs.rmSync(ACTUAL, { force: true });
    expect(JSON.parse(actual)).toEqual(JSON.parse(golden));
    // Key order is part of the prefix: compare the serialisation too.
    expect(actual).toBe(JSON.stringify(JSON.parse(golden)));
  });
});
