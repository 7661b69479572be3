/**
 * Spool's home (config, credentials, rules, sessions, an app-server token) cannot be read from the
 * sandbox wherever it lives — under /tmp, inside the workspace, or outside every writable root —
 * through the real binary; nothing of it reaches the model.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spoolExecIn } from './bin-run.js';
import { type Layout, makeLayout } from './helpers.js';

let layout: Layout;
beforeEach(() => {
  layout = makeLayout('spool-home-');
});
afterEach(() => layout.cleanup());

function plantHome(home: string, canary: string): void {
  mkdirSync(join(home, 'sessions', '2025', '01', '01'), { recursive: true });
  writeFileSync(join(home, 'config.toml'), `# ${canary}\nmodel = "gpt-5-codex"\n`);
  writeFileSync(join(home, 'auth.json'), `{"OPENAI_API_KEY": "${canary}"}\n`);
  writeFileSync(join(home, 'rules.toml'), `# ${canary}\n`);
  writeFileSync(join(home, 'ws-token'), `${canary}\n`);
  writeFileSync(join(home, 'sessions', '2025', '01', '01', 'rollout-x.jsonl'), `{"canary":"${canary}"}\n`);
}

const places = {
  'under /tmp': () => `/tmp/spool-home-test-${process.pid}-${randomBytes(4).toString('hex')}`,
  'inside the workspace': () => join(layout.work, 'spool-home'),
  'outside every writable root': () => join(layout.base, 'home-outside'),
};

describe("Spool's home is unreadable from the sandbox (the real binary)", { timeout: 120_000 }, () => {
  for (const [where, place] of Object.entries(places)) {
    it(where, async () => {
      const home = place();
      const canary = `canary-${randomBytes(8).toString('hex')}`;
      plantHome(home, canary);
      try {
        const { run, outputs, requestText } = await spoolExecIn(
          layout,
          [
            `cat ${home}/config.toml ${home}/auth.json ${home}/rules.toml ${home}/ws-token; ls -la ${home}; grep -r . ${home}; find ${home} -type f | wc -l`,
            `tar cf - ${home} 2>/dev/null | strings | grep canary; echo end`,
          ],
          { env: { SPOOL_HOME: home } },
        );
        expect(run.code, run.stderr).toBe(0);
        expect(outputs).toHaveLength(2);
        expect(outputs.join('\n')).not.toContain(canary);
        expect(requestText).not.toContain(canary);
        expect(outputs[0]).toMatch(/No such file or directory/);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
