/**
 * Helpers for sub-agent tests: which agent of a tree sent a request (each agent's first developer
 * message states its path; the root's states none), and what a request carries.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import {
  byConversation,
  type ConversationRoute,
  type ConversationScript,
  type Emulator,
  type RecordedRequest,
  type Step,
  startEmulator,
} from '../emulator/index.js';
import { perTestScratch } from './scratch.js';
import { SPOOL_BIN } from './spool-bin.js';

type InputItem = {
  type: string;
  role?: string;
  content?: Array<{ text?: string }>;
  output?: unknown;
  call_id?: string;
};

export function inputOf(request: RecordedRequest): InputItem[] {
  return ((request.body as { input?: InputItem[] } | undefined)?.input ?? []) as InputItem[];
}

function textOf(item: InputItem | undefined): string {
  return (item?.content ?? []).map((part) => part.text ?? '').join('\n');
}

/** The agent path a request's conversation belongs to (`/root` when it names none). */
export function agentPathOf(request: RecordedRequest): string {
  const match = /Your agent path is (\/root[a-z0-9_/]*);/.exec(textOf(inputOf(request)[0]));
  return match?.[1] ?? '/root';
}

/** A route matcher for the conversation of the agent at `path`. */
export function isAgent(path: string): (request: RecordedRequest) => boolean {
  return (request) => agentPathOf(request) === path;
}

/** The outputs of the request's tool calls, as text. */
export function toolOutputs(request: RecordedRequest | undefined): string[] {
  if (!request) return [];
  return inputOf(request)
    .filter((item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
    .map((item) => (typeof item.output === 'string' ? item.output : JSON.stringify(item.output)));
}

/** The `<agent_message>` blocks the request carries (messages from other agents). */
export function agentMessages(request: RecordedRequest): string[] {
  return inputOf(request)
    .filter((item) => item.type === 'message' && item.role === 'user')
    .map(textOf)
    .filter((text) => text.startsWith('<agent_message>'));
}

/** The senders of the FINAL_ANSWER messages a request carries. */
export function finalAnswerSenders(request: RecordedRequest): string[] {
  return agentMessages(request)
    .filter((text) => text.includes('Message Type: FINAL_ANSWER'))
    .map((text) => /Sender: (\S+)/.exec(text)?.[1] ?? '');
}

/** Whether every request is a byte-exact extension of the one before (instructions, tools, input prefix). */
export function extendsEachOther(requests: RecordedRequest[]): boolean {
  for (let i = 1; i < requests.length; i++) {
    const before = requests[i - 1]?.body as Record<string, unknown>;
    const after = requests[i]?.body as Record<string, unknown>;
    if (JSON.stringify(before.instructions) !== JSON.stringify(after.instructions)) return false;
    if (JSON.stringify(before.tools) !== JSON.stringify(after.tools)) return false;
    if (before.prompt_cache_key !== after.prompt_cache_key) return false;
    const a = before.input as unknown[];
    const b = after.input as unknown[];
    if (b.length < a.length) return false;
    for (let j = 0; j < a.length; j++) if (JSON.stringify(a[j]) !== JSON.stringify(b[j])) return false;
  }
  return true;
}

export interface AgentRoute {
  /** The agent's path (`/root`, `/root/worker_a`, …). */
  name: string;
  steps: Array<Step | ((r: RecordedRequest) => Step)>;
}

/**
 * An emulator answering each agent of a tree from its own steps; `before` routes (a guardian, say)
 * are tried first.
 */
export async function startTree(
  routes: AgentRoute[],
  before: ConversationRoute[] = [],
): Promise<{ emulator: Emulator; script: ConversationScript }> {
  const script = byConversation([
    ...before,
    ...routes.map((route) => ({ name: route.name, match: isAgent(route.name), steps: route.steps })),
  ]);
  return { emulator: await startEmulator({ script }), script };
}

/**
 * A test file's tree runs through the built `spool exec` (call once at its top level): `setup` makes
 * a SPOOL_HOME holding `config` and a work directory, `start` serves the agents' scripts, `env`
 * points a run at them; everything is removed or closed after each test.
 */
export function execTreeHarness() {
  const { dir, use } = perTestScratch();
  let emulator: Emulator | undefined;
  return {
    setup(config = ''): { home: string; work: string } {
      const home = dir('spool-agents-home-');
      const work = dir('spool-agents-work-');
      fs.writeFileSync(path.join(home, 'config.toml'), config);
      return { home, work };
    },
    env(home: string): NodeJS.ProcessEnv {
      if (!emulator) throw new Error('start the tree first');
      return { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home };
    },
    async start(routes: AgentRoute[], before: ConversationRoute[] = []): Promise<ConversationScript> {
      const started = await startTree(routes, before);
      emulator = use(started.emulator);
      return started.script;
    },
  };
}

/** Answers any number of requests the same way (an agent that may get more turns than planned). */
export function always(step: (r: RecordedRequest) => Step, count = 6): Array<(r: RecordedRequest) => Step> {
  return Array.from({ length: count }, () => step);
}

/** The rollout files under `home`, by agent path, with their lines parsed. */
export function rollouts(
  home: string,
): Map<string, Array<{ type: string; payload: Record<string, unknown> }>> {
  const found = new Map<string, Array<{ type: string; payload: Record<string, unknown> }>>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.jsonl')) {
        const lines = fs
          .readFileSync(full, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as { type: string; payload: Record<string, unknown> });
        const spawned = lines[0]?.payload.spawned_from as { agent_path?: string } | undefined;
        found.set(spawned?.agent_path ?? '/root', lines);
      }
    }
  };
  walk(path.join(home, 'sessions'));
  return found;
}

/** The meta line of each session under `home`, by agent path. */
export function sessionMetas(home: string): Map<string, Record<string, unknown>> {
  return new Map([...rollouts(home)].map(([name, lines]) => [name, lines[0]?.payload ?? {}]));
}

/**
 * Starts `spool exec -s workspace-write --skip-git-repo-check Go` in `cwd` (the built binary) and
 * kills it with SIGKILL once `file` exists (the moment the test waits for), as a crash would.
 */
export async function execKilledOnceExists(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const first = spawn(
    process.execPath,
    [SPOOL_BIN, 'exec', '-s', 'workspace-write', '--skip-git-repo-check', 'Go'],
    {
      cwd,
      env,
      stdio: 'ignore',
    },
  );
  await expect.poll(() => fs.existsSync(file), { timeout: 30_000 }).toBe(true);
  const exited = new Promise((resolve) => first.on('exit', resolve));
  first.kill('SIGKILL');
  await exited;
}
