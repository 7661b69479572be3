import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSandboxPolicy } from '../../src/protocol/policy.js';
import { builtinTools } from '../../src/session/tools.js';
import {
  applyPatchCall,
  call,
  type Emulator,
  respond,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { tempDir, testSettings, threadOn } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const addFile = (name: string, line: string) =>
  `*** Begin Patch\n*** Add File: ${name}\n+${line}\n*** End Patch`;

function outputs(history: readonly unknown[]): string[] {
  return (history as Array<{ type: string; output?: unknown }>)
    .filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output')
    .map((i) => String(i.output));
}

describe('apply_patch in the loop: three ways in, one engine', () => {
  it('applies the freeform tool, the JSON function form and a shell heredoc', async () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, 'sub'));
    emulator = await startEmulator({
      script: [
        respond(applyPatchCall(addFile('a.txt', 'from custom'))),
        respond(call('apply_patch', { input: addFile('b.txt', 'from function') })),
        respond(shellCall(`cd sub && apply_patch <<'EOF'\n${addFile('c.txt', 'from shell')}\nEOF\n`)),
        respond(say('done')),
      ],
    });
    const settings = testSettings({
      cwd,
      model: 'gpt-5-codex',
      sandbox: defaultSandboxPolicy('workspace-write'),
    });
    const tools = builtinTools(settings);
    const { thread, events } = threadOn(emulator, tools.registry, settings);
    expect((await thread.runTurn('make files')).status).toBe('completed');
    await tools.close();

    expect(fs.readFileSync(path.join(cwd, 'a.txt'), 'utf8')).toBe('from custom\n');
    expect(fs.readFileSync(path.join(cwd, 'b.txt'), 'utf8')).toBe('from function\n');
    expect(fs.readFileSync(path.join(cwd, 'sub/c.txt'), 'utf8')).toBe('from shell\n');
    expect(outputs(thread.history)).toEqual([
      'Success. Updated the following files:\nA a.txt\n',
      'Success. Updated the following files:\nA b.txt\n',
      'Success. Updated the following files:\nA c.txt\n',
    ]);
    const changes = events.filter((e) => e.type === 'item.completed' && e.item.type === 'file_change');
    expect(changes).toHaveLength(3);
    // The freeform tool is advertised to a model that takes custom tools.
    const tools0 = emulator.requests[0]!.body!.tools as Array<{ type: string; name: string }>;
    expect(tools0.map((t) => `${t.type}:${t.name}`)).toEqual([
      'custom:apply_patch',
      'function:request_user_input',
      'function:shell',
      'function:update_plan',
    ]);
  });

  it('refuses a patch outside the writable roots and changes nothing', async () => {
    const cwd = tempDir();
    const outside = tempDir('spool-outside-');
    emulator = await startEmulator({
      script: [respond(applyPatchCall(addFile(path.join(outside, 'x.txt'), 'no'))), respond(say('ok'))],
    });
    const settings = testSettings({
      cwd,
      model: 'gpt-5-codex',
      sandbox: {
        ...defaultSandboxPolicy('workspace-write'),
        excludeSlashTmp: true,
        excludeTmpdirEnvVar: true,
      },
    });
    const tools = builtinTools(settings);
    const { thread } = threadOn(emulator, tools.registry, settings);
    await thread.runTurn('escape');
    await tools.close();
    expect(fs.existsSync(path.join(outside, 'x.txt'))).toBe(false);
    expect(outputs(thread.history)[0]).toMatch(/outside the writable roots/);
  });

  it('offers the JSON function form to models without custom tools', () => {
    const tools = builtinTools(testSettings({ model: 'gpt-4.1' }));
    expect(tools.registry.specs.map((t) => `${t.type}:${t.name}`)).toEqual([
      'function:apply_patch',
      'function:request_user_input',
      'function:shell',
      'function:update_plan',
    ]);
  });
});
