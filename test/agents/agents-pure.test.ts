/** The pure parts of sub-agents: paths, fork_turns, derived settings, wait bounds, roles. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childMcpServers } from '../../src/agents/child-mcp.js';
import { childSettings } from '../../src/agents/child-settings.js';
import { forkedHistory } from '../../src/agents/fork.js';
import { formatAgentMessage } from '../../src/agents/mailbox.js';
import { depthOf, resolveTarget } from '../../src/agents/path.js';
import { loadRoles, unknownRoleMessage } from '../../src/agents/roles.js';
import { clampWaitTimeout } from '../../src/agents/wait.js';
import { AgentsConfig } from '../../src/config/agents-schema.js';
import type { HistoryItem } from '../../src/protocol/items.js';
import { defaultSandboxPolicy } from '../../src/protocol/policy.js';
import { tempDir, testSettings } from '../support/thread.js';

const user = (text: string): HistoryItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});
const developer = (text: string): HistoryItem => ({
  type: 'message',
  role: 'developer',
  content: [{ type: 'input_text', text }],
});
const assistant = (text: string): HistoryItem => ({
  type: 'message',
  role: 'assistant',
  content: [{ type: 'output_text', text }],
});
const callItem = (id: string): HistoryItem => ({
  type: 'function_call',
  name: 'shell',
  arguments: '{}',
  call_id: id,
});
const output = (id: string): HistoryItem => ({ type: 'function_call_output', call_id: id, output: 'ok' });

describe('agent paths', () => {
  it('resolves absolute and relative targets against the caller and refuses what is not a path', () => {
    expect(resolveTarget('/root', 'worker_a')).toEqual({ ok: true, path: '/root/worker_a' });
    expect(resolveTarget('/root/a', '/root/b')).toEqual({ ok: true, path: '/root/b' });
    expect(resolveTarget('/root/a/b', '..')).toEqual({ ok: true, path: '/root/a' });
    expect(resolveTarget('/root/a', '../c/d')).toEqual({ ok: true, path: '/root/c/d' });
    expect(resolveTarget('/root', '..')).toMatchObject({
      ok: false,
      error: expect.stringContaining('above /root'),
    });
    expect(resolveTarget('/root', 'Worker-A')).toMatchObject({
      ok: false,
      error: expect.stringContaining('lowercase letters, digits and _'),
    });
    expect(resolveTarget('/root', '/other/x')).toMatchObject({
      ok: false,
      error: expect.stringContaining('start at /root'),
    });
    expect(resolveTarget('/root', ' ')).toMatchObject({ ok: false });
    expect(depthOf('/root')).toBe(0);
    expect(depthOf('/root/a/b')).toBe(2);
  });
});

describe('fork_turns', () => {
  // Two items of initial context, then two turns with tool calls and answers.
  const history: HistoryItem[] = [
    developer('permissions'),
    user('<environment_context>…</environment_context>'),
    user('first task'),
    assistant('looking'),
    callItem('c1'),
    output('c1'),
    assistant('first answer'),
    developer('a note'),
    user('second task'),
    assistant('second answer'),
  ];

  it('none carries nothing; all carries user and developer messages and final answers only', () => {
    expect(forkedHistory(history, 'none')).toEqual([]);
    expect(forkedHistory(history, 'all')).toEqual([
      user('first task'),
      assistant('first answer'),
      developer('a note'),
      user('second task'),
      assistant('second answer'),
    ]);
  });

  it('N carries the last N turns', () => {
    expect(forkedHistory(history, 1)).toEqual([user('second task'), assistant('second answer')]);
    expect(forkedHistory(history, 5)).toEqual(forkedHistory(history, 'all'));
  });
});

describe('a child’s settings', () => {
  const identity = { path: '/root/a', parentPath: '/root', depth: 1, maxDepth: 2 };
  const explorer = {
    name: 'explorer',
    description: '',
    sandboxMode: 'read-only' as const,
    source: 'built-in',
  };

  it('inherits sandbox, roots, network and approval last: arguments choose only the model', () => {
    const parent = testSettings({
      sandbox: { ...defaultSandboxPolicy('workspace-write'), writableRoots: ['/extra'], networkAccess: true },
      approvalPolicy: 'on-request',
      developerInstructions: 'parent rules',
    });
    const derived = childSettings(parent, identity, undefined, {
      model: 'other-model',
      reasoningEffort: 'high',
    });
    if (!derived.ok) throw new Error(derived.error);
    expect(derived.settings.sandbox).toEqual(parent.sandbox);
    expect(derived.settings.approvalPolicy).toBe('on-request');
    expect(derived.settings.cwd).toBe(parent.cwd);
    expect(derived.settings.model).toBe('other-model');
    expect(derived.settings.reasoning?.effort).toBe('high');
    expect(derived.settings.developerInstructions).toContain('Your agent path is /root/a;');
    expect(derived.settings.developerInstructions).toContain('parent rules');
  });

  it('lets a role narrow the sandbox and refuses one that would widen it', () => {
    const parent = testSettings({
      sandbox: { ...defaultSandboxPolicy('workspace-write'), writableRoots: ['/x'], networkAccess: true },
    });
    const narrowed = childSettings(parent, identity, explorer, {});
    if (!narrowed.ok) throw new Error(narrowed.error);
    expect(narrowed.settings.sandbox).toMatchObject({
      mode: 'read-only',
      writableRoots: [],
      networkAccess: false,
    });
    const readOnlyParent = testSettings({ sandbox: defaultSandboxPolicy('read-only') });
    const wide = { ...explorer, name: 'builder', sandboxMode: 'workspace-write' as const };
    expect(childSettings(readOnlyParent, identity, wide, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining("wider than this agent's read-only"),
    });
  });
});

describe('wait_agent bounds and messages', () => {
  it('clamps the timeout to 10 s – 1 h and says so; 30 s by default', () => {
    expect(clampWaitTimeout(undefined)).toEqual({ ms: 30_000 });
    expect(clampWaitTimeout(5)).toMatchObject({
      ms: 10_000,
      note: expect.stringContaining('raised to the minimum'),
    });
    expect(clampWaitTimeout(7_200_000)).toMatchObject({
      ms: 3_600_000,
      note: expect.stringContaining('lowered'),
    });
    expect(clampWaitTimeout(20_000)).toEqual({ ms: 20_000 });
  });

  it('formats a final answer with its sender and status', () => {
    expect(
      formatAgentMessage({ type: 'FINAL_ANSWER', sender: '/root/a', status: 'completed', payload: 'done' }),
    ).toBe(
      '<agent_message>\nMessage Type: FINAL_ANSWER\nSender: /root/a\nStatus: completed\nPayload:\ndone\n</agent_message>',
    );
  });
});

describe('roles', () => {
  it('built-ins, then config.toml, then $SPOOL_HOME/agents, then the project’s .spool/agents; bad files are skipped with a warning', () => {
    const home = tempDir('spool-roles-home-');
    const project = tempDir('spool-roles-project-');
    fs.mkdirSync(path.join(home, 'agents'));
    fs.mkdirSync(path.join(project, '.spool', 'agents'), { recursive: true });
    fs.writeFileSync(path.join(home, 'agents', 'tester.toml'), 'description = "home tester"\nmodel = "m1"\n');
    fs.writeFileSync(
      path.join(project, '.spool', 'agents', 'tester.toml'),
      'description = "project tester"\n',
    );
    fs.writeFileSync(path.join(project, '.spool', 'agents', 'broken.toml'), 'description = \n');
    fs.writeFileSync(path.join(project, '.spool', 'agents', 'odd.toml'), 'colour = "red"\n');
    const catalog = loadRoles({
      config: AgentsConfig.parse({
        max_threads: 3,
        planner: { description: 'plans', sandbox_mode: 'read-only' },
      }),
      spoolHome: home,
      projectRoot: project,
    });
    expect([...catalog.roles.keys()].sort()).toEqual(['explorer', 'planner', 'tester', 'worker']);
    expect(catalog.roles.get('tester')).toMatchObject({ description: 'project tester' });
    expect(catalog.roles.get('planner')).toMatchObject({ sandboxMode: 'read-only', source: 'config.toml' });
    expect(catalog.roles.get('explorer')).toMatchObject({ sandboxMode: 'read-only' });
    expect(catalog.warnings).toHaveLength(2);
    expect(catalog.warnings.join('\n')).toContain('broken.toml');
    expect(catalog.warnings.join('\n')).toContain('odd.toml');
    expect(unknownRoleMessage('wizard', catalog)).toContain('planner (plans)');
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('reads a role’s mcp_servers: names narrow, definitions add (not from a repository), bad ones skip the role', () => {
    const home = tempDir('spool-roles-home-');
    const project = tempDir('spool-roles-project-');
    fs.mkdirSync(path.join(home, 'agents'));
    fs.mkdirSync(path.join(project, '.spool', 'agents'), { recursive: true });
    fs.writeFileSync(path.join(home, 'agents', 'only.toml'), 'mcp_servers = ["docs", "nosuch"]\n');
    fs.writeFileSync(
      path.join(home, 'agents', 'more.toml'),
      '[mcp_servers.search]\ncommand = "search-mcp"\n',
    );
    fs.writeFileSync(path.join(home, 'agents', 'bad.toml'), '[mcp_servers.search]\ncomand = "typo"\n');
    fs.writeFileSync(
      path.join(project, '.spool', 'agents', 'repo.toml'),
      '[mcp_servers.evil]\ncommand = "./run-me"\n',
    );
    const catalog = loadRoles({ config: undefined, spoolHome: home, projectRoot: project });
    expect(catalog.roles.has('bad')).toBe(false);
    expect(catalog.warnings.join('\n')).toMatch(/bad\.toml skipped: mcp_servers\.search/);
    expect(catalog.warnings.join('\n')).toMatch(/repo\.toml: MCP server definitions are ignored/);
    const root = { docs: { command: 'docs-mcp' }, web: { command: 'web-mcp' } };
    expect(Object.keys(childMcpServers(root, undefined).servers)).toEqual(['docs', 'web']);
    const only = childMcpServers(root, catalog.roles.get('only'));
    expect(Object.keys(only.servers)).toEqual(['docs']);
    expect(only.warnings.join('\n')).toMatch(/"nosuch", which is not configured/);
    expect(Object.keys(childMcpServers(root, catalog.roles.get('more')).servers)).toEqual([
      'docs',
      'web',
      'search',
    ]);
    expect(Object.keys(childMcpServers(root, catalog.roles.get('repo')).servers)).toEqual(['docs', 'web']);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  });
});
