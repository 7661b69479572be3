import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, type Step, say, startEmulator, think } from '../emulator/index.js';
import { tempDir, threadOn } from '../support/thread.js';
import { echoTool } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function steps(count: number, label: string): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < count; i++)
    out.push(respond(think(`${label} ${i}`, `enc-${label}-${i}`), call('echo', { text: `${label}-${i}` })));
  out.push(respond(say(`${label} done`)));
  return out;
}

describe('the append-only guard', () => {
  it('keeps every request of a 150-step session a byte-exact extension of the previous one, through a cwd and an approval change', async () => {
    const first = tempDir();
    const second = path.join(first, 'packages/other');
    fs.mkdirSync(second, { recursive: true });
    fs.writeFileSync(path.join(second, 'AGENTS.md'), 'Rules for the other package.\n');
    emulator = await startEmulator({ script: [...steps(75, 'a'), ...steps(75, 'b')] });
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool({ runs: [] })]), {
      cwd: first,
      approvalPolicy: 'on-request',
      reasoning: { effort: 'medium', summary: 'auto' },
    });
    expect((await thread.runTurn('first half')).status).toBe('completed');
    thread.updateSettings({ cwd: second, approvalPolicy: 'never' });
    expect((await thread.runTurn('second half')).status).toBe('completed');

    const requests = emulator.requests;
    expect(requests).toHaveLength(152);
    for (let i = 1; i < requests.length; i++) {
      const prev = requests[i - 1]!;
      const next = requests[i]!;
      expect(next.body!.instructions).toBe(prev.body!.instructions);
      expect(JSON.stringify(next.body!.tools)).toBe(JSON.stringify(prev.body!.tools));
      // The whole previous input, byte for byte, is the start of the next one.
      const prevInput = JSON.stringify(prev.body!.input);
      expect(JSON.stringify(next.body!.input).startsWith(prevInput.slice(0, -1))).toBe(true);
      // …so the provider's prefix cache serves all of it (to its 128-token granularity).
      if (prev.inputTokens >= 1_280) expect(next.cachedTokens).toBeGreaterThan(prev.inputTokens - 256);
    }

    // The change is announced once, by appended messages, before the second prompt.
    const input = requests[76]!.body!.input as Array<{ role?: string; content?: Array<{ text: string }> }>;
    const tail = input.slice(-4).map((m) => `${m.role}: ${m.content?.map((c) => c.text).join(' | ')}`);
    expect(tail[0]).toContain('<permissions_update>');
    expect(tail[0]).toContain('approval policy: on-request → never');
    expect(tail[1]).toContain(`<cwd>${second}</cwd>`);
    expect(tail[2]).toContain('Rules for the other package.');
    expect(tail[3]).toBe('user: second half');
  }, 60_000);
});
