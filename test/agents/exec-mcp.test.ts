import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, type Emulator, type RecordedRequest, respond, say, shellCall } from '../emulator/index.js';
import {
  always,
  execKilledOnceExists,
  finalAnswerSenders,
  sessionMetas,
  startTree,
  toolOutputs,
} from '../support/agents.js';
import { perTestScratch } from '../support/scratch.js';
import { ROOT, runSpool } from '../support/spool-bin.js';

const FIXTURE = path.join(ROOT, 'test/mcp/fixtures/fixture-server.mjs');

let emulator: Emulator | undefined;
const { dir, use } = perTestScratch();

const SERVER = [
  '[mcp_servers.fix]',
  `command = "${process.execPath}"`,
  `args = ["${FIXTURE}"]`,
  'default_tools_approval_mode = "approve"',
  '',
].join('\n');

function toolNames(request: RecordedRequest | undefined): string[] {
  return ((request?.body?.tools ?? []) as Array<{ name: string }>).map((t) => t.name);
}

/** The root spawns one child of `agentType`, waits for its answer, and finishes. */
function rootSteps(agentType: string) {
  return [
    respond(
      call('spawn_agent', { task_name: 'helper', message: 'Use the echo tool', agent_type: agentType }),
    ),
    ...always((r) =>
      finalAnswerSenders(r).length > 0
        ? respond(say('Done.'))
        : respond(call('wait_agent', { timeout_ms: 60_000 })),
    ),
  ];
}

async function run(
  config: string,
  child: Parameters<typeof startTree>[0][number]['steps'],
  agentType: string,
  roles: Record<string, string> = {},
) {
  const home = dir('spool-agents-mcp-home-');
  const work = dir('spool-agents-mcp-work-');
  fs.writeFileSync(path.join(home, 'config.toml'), config);
  fs.mkdirSync(path.join(home, 'agents'));
  for (const [name, text] of Object.entries(roles))
    fs.writeFileSync(path.join(home, 'agents', `${name}.toml`), text);
  const started = await startTree([
    { name: '/root', steps: rootSteps(agentType) },
    { name: '/root/helper', steps: child },
  ]);
  emulator = use(started.emulator);
  const result = await runSpool(['exec', '--skip-git-repo-check', 'Go'], {
    cwd: work,
    env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home },
  });
  return { result, script: started.script };
}

describe('sub-agents with MCP servers', () => {
  it('a worker child gets the root configured MCP server and calls its tool', async () => {
    const { result, script } = await run(
      SERVER,
      always((r) =>
        toolOutputs(r).length === 0
          ? respond(call('mcp__fix__echo', { text: 'from the child' }))
          : respond(say('echoed')),
      ),
      'worker',
    );
    expect(result.code, result.stderr).toBe(0);
    const child = script.requestsOf('/root/helper');
    expect(toolNames(child[0])).toContain('mcp__fix__echo');
    expect(toolNames(child[0])).toContain('spawn_agent');
    expect(toolOutputs(child[1]).join('\n')).toContain('from the child');
  });

  it('a message to a child still starting its MCP servers is a tool error saying so', async () => {
    const home = dir('spool-agents-mcp-home-');
    const work = dir('spool-agents-mcp-work-');
    fs.writeFileSync(path.join(home, 'config.toml'), SERVER);
    const started = await startTree([
      {
        name: '/root',
        steps: [
          respond(
            call('spawn_agent', { task_name: 'helper', message: 'Work' }),
            call('send_message', { target: 'helper', message: 'too early' }),
          ),
          ...always((r) =>
            finalAnswerSenders(r).length > 0
              ? respond(say('Done.'))
              : respond(call('wait_agent', { timeout_ms: 60_000 })),
          ),
        ],
      },
      { name: '/root/helper', steps: always(() => respond(say('done'))) },
    ]);
    emulator = use(started.emulator);
    const result = await runSpool(['exec', '--skip-git-repo-check', 'Go'], {
      cwd: work,
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(toolOutputs(started.script.requestsOf('/root')[1]).join('\n')).toMatch(
      /\/root\/helper is still starting/,
    );
  });

  it('a role listing no MCP servers gets none (the root keeps its own)', async () => {
    const { result, script } = await run(
      SERVER,
      always(() => respond(say('nothing to call'))),
      'plain',
      { plain: 'description = "no MCP"\nmcp_servers = []\n' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(toolNames(script.requestsOf('/root')[0])).toContain('mcp__fix__echo');
    const names = toolNames(script.requestsOf('/root/helper')[0]);
    expect(names).toContain('spawn_agent');
    expect(names.some((n) => n.startsWith('mcp__'))).toBe(false);
  });

  it('a role naming an unknown server is reported, and the child goes on with the ones it has', async () => {
    const { result, script } = await run(
      SERVER,
      always(() => respond(say('went on'))),
      'picky',
      { picky: 'description = "picky"\nmcp_servers = ["fix", "nosuch"]\n' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/\/root\/helper.*MCP server "nosuch".*not configured/);
    expect(toolNames(script.requestsOf('/root/helper')[0])).toContain('mcp__fix__echo');
  });

  it('a role may add a server of its own; one that fails to start is reported', async () => {
    const broken = [
      '[mcp_servers.own]',
      `command = "${process.execPath}"`,
      `args = ["${FIXTURE}"]`,
      'default_tools_approval_mode = "approve"',
      '[mcp_servers.broken]',
      `command = "${process.execPath}"`,
      'args = ["-e", "process.exit(3)"]',
      '',
    ].join('\n');
    const { result, script } = await run(
      '',
      always(() => respond(say('went on'))),
      'extra',
      { extra: `description = "extra"\n${broken}` },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(toolNames(script.requestsOf('/root')[0]).some((n) => n.startsWith('mcp__'))).toBe(false);
    expect(toolNames(script.requestsOf('/root/helper')[0])).toContain('mcp__own__echo');
    expect(result.stderr).toMatch(/MCP server "broken" failed to start for \/root\/helper/);
  });

  it('a child restored after kill -9 has its MCP servers again (the same tool list)', async () => {
    const home = dir('spool-agents-mcp-home-');
    const work = dir('spool-agents-mcp-work-');
    fs.writeFileSync(path.join(home, 'config.toml'), SERVER);
    const mark = path.join(work, 'mark.txt');
    const started = await startTree([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'helper', message: 'Work' })),
          respond(call('wait_agent', { timeout_ms: 600_000 })),
          respond(call('wait_agent', { timeout_ms: 600_000 })),
          respond(say('Finished after the restart.')),
        ],
      },
      {
        name: '/root/helper',
        steps: [
          respond(shellCall(`echo run >> ${mark} && sleep 8`)),
          respond(call('mcp__fix__echo', { text: 'after the restart' })),
          respond(say('done')),
        ],
      },
    ]);
    emulator = use(started.emulator);
    const env = {
      ...process.env,
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: home,
    };
    await execKilledOnceExists(mark, work, env);
    const rootId = sessionMetas(home).get('/root')?.id as string;
    const second = await runSpool(['exec', 'resume', rootId, '-s', 'workspace-write', 'Carry on'], {
      cwd: work,
      env,
    });
    expect(second.code, second.stderr).toBe(0);
    const helper = started.script.requestsOf('/root/helper');
    expect(helper.length, second.stderr).toBe(3);
    expect(toolNames(helper[1])).toEqual(toolNames(helper[0]));
    expect(toolNames(helper[1])).toContain('mcp__fix__echo');
    expect(toolOutputs(helper[2]).join('\n')).toContain('after the restart');
  }, 90_000);
});
