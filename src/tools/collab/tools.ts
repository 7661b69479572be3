/**
 * The collaboration tools (Codex's multi-agent v2 shapes): `spawn_agent`, `send_message`,
 * `followup_task`, `wait_agent`, `interrupt_agent`, `list_agents`. Agents are addressed by path
 * (`/root/<task>/<sub>`; relative targets resolve against the caller). Each call is shown as a
 * `collab_tool_call` item; errors are outputs the model can act on.
 */
import { z } from 'zod';
import type { CollabTool, CollabToolCallThreadItem } from '../../protocol/collab.js';
import { functionSpec, parseJsonArguments } from '../spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../types.js';
import type { AgentControl, AgentView, ControlResult } from './control.js';

const TASK_NAME = /^[a-z0-9_]+$/;

const SpawnArgs = z
  .object({
    task_name: z
      .string()
      .describe('Name of the new agent (lowercase letters, digits, _): its path is <your path>/<task_name>.'),
    message: z.string().describe('The task for the new agent: everything it needs to know.'),
    agent_type: z.string().optional().describe('A role (e.g. explorer, worker); default: none.'),
    fork_turns: z
      .string()
      .optional()
      .describe(
        'How much of your conversation the agent starts with: "none" (default, a fresh context), "all", or a number of your last turns (your and the user\'s messages and final answers only).',
      ),
    model: z.string().optional().describe("Model for the new agent (default: yours or its role's)."),
    reasoning_effort: z.string().optional().describe('Reasoning effort for the new agent.'),
  })
  .strict();

const TargetMessageArgs = z
  .object({
    target: z.string().describe('Path of the agent (e.g. /root/worker_a, or worker_a relative to you).'),
    message: z.string(),
  })
  .strict();

const WaitArgs = z
  .object({
    timeout_ms: z
      .number()
      .int()
      .optional()
      .describe('How long to wait for a message at most (clamped to 10 s–1 h; default 30 s).'),
  })
  .strict();

const TargetArgs = z.object({ target: z.string().describe('Path of the agent.') }).strict();

const ListArgs = z
  .object({ path_prefix: z.string().optional().describe('Only agents under this path.') })
  .strict();

function json(value: unknown): string {
  return JSON.stringify(value);
}

function viewJson(agent: AgentView): Record<string, unknown> {
  return {
    path: agent.path,
    status: agent.status,
    ...(agent.role ? { agent_type: agent.role } : {}),
    ...(agent.message !== null ? { last_message: agent.message } : {}),
  };
}

/** Shows one call as a `collab_tool_call` item: started, then completed or failed. */
function collabItem(
  ctx: ToolContext,
  control: AgentControl,
  tool: CollabTool,
  prompt: string | null,
): { finish(result: ControlResult<AgentView[]>): void } {
  const self = control.self();
  const base: CollabToolCallThreadItem = {
    id: ctx.items.newItemId(),
    type: 'collab_tool_call',
    tool,
    sender_thread_id: self.threadId,
    receiver_thread_ids: [],
    prompt,
    agents_states: {},
    status: 'in_progress',
    sender_path: self.path,
    receiver_paths: [],
  };
  ctx.items.started(base);
  return {
    finish: (result) => {
      const agents = result.ok ? result.value : [];
      ctx.items.completed({
        ...base,
        receiver_thread_ids: agents.map((a) => a.threadId),
        receiver_paths: agents.map((a) => a.path),
        agents_states: Object.fromEntries(
          agents.map((a) => [a.threadId, { status: a.status, message: a.message }]),
        ),
        status: result.ok ? 'completed' : 'failed',
      });
    },
  };
}

function failed(error: string): ToolResult {
  return { output: error, success: false };
}

function parseForkTurns(value: string | undefined): ControlResult<'none' | 'all' | number> {
  const text = (value ?? 'none').trim().toLowerCase();
  if (text === '' || text === 'none') return { ok: true, value: 'none' };
  if (text === 'all') return { ok: true, value: 'all' };
  if (/^[0-9]+$/.test(text) && Number(text) > 0) return { ok: true, value: Number(text) };
  return { ok: false, error: 'fork_turns must be "none", "all", or a positive integer string (e.g. "2").' };
}

export function createCollabTools(control: AgentControl): ToolHandler[] {
  const spawn: ToolHandler<z.infer<typeof SpawnArgs>> = {
    name: 'spawn_agent',
    spec: functionSpec(
      'spawn_agent',
      'Starts a sub-agent on a task, in its own context. It works in parallel with you; its final answer arrives in your mailbox by itself (wait_agent waits for it). Give it everything it needs in `message`.',
      SpawnArgs,
    ),
    parallel: true,
    parse: (raw) => parseJsonArguments('spawn_agent', raw, SpawnArgs),
    run: async (args, ctx) => {
      const item = collabItem(ctx, control, 'spawn_agent', args.message);
      const fork = parseForkTurns(args.fork_turns);
      const name = args.task_name.trim();
      let result: ControlResult<AgentView>;
      if (!fork.ok) result = fork;
      else if (!TASK_NAME.test(name) || name.length > 64)
        result = {
          ok: false,
          error: `task_name "${args.task_name}" is not a valid agent name: use 1–64 lowercase letters, digits and _ (e.g. "fix_parser").`,
        };
      else
        result = await control.spawn({
          taskName: name,
          message: args.message,
          forkTurns: fork.value,
          ...(args.agent_type?.trim() ? { agentType: args.agent_type.trim() } : {}),
          ...(args.model ? { model: args.model } : {}),
          ...(args.reasoning_effort ? { reasoningEffort: args.reasoning_effort } : {}),
        });
      item.finish(result.ok ? { ok: true, value: [result.value] } : result);
      if (!result.ok) return failed(result.error);
      return { output: json({ task_name: result.value.path, nickname: null }), success: true };
    },
  };

  const targeted = (
    name: 'send_message' | 'followup_task',
    description: string,
    act: (target: string, message: string) => ControlResult<AgentView>,
  ): ToolHandler<z.infer<typeof TargetMessageArgs>> => ({
    name,
    spec: functionSpec(name, description, TargetMessageArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments(name, raw, TargetMessageArgs),
    run: async (args, ctx) => {
      const item = collabItem(ctx, control, name, args.message);
      const result = act(args.target, args.message);
      item.finish(result.ok ? { ok: true, value: [result.value] } : result);
      if (!result.ok) return failed(result.error);
      return { output: json({ delivered: true, agent: viewJson(result.value) }), success: true };
    },
  });

  const sendMessage = targeted(
    'send_message',
    "Puts a message in another agent's mailbox (e.g. /root to reach the root). It does not start a turn: the agent sees it in its running turn, or when its next turn starts.",
    (target, message) => control.sendMessage(target, message),
  );
  const followupTask = targeted(
    'followup_task',
    'Gives an agent you spawned a new task: an idle agent starts a turn on it, a busy one takes it into its running turn. Its answer arrives in your mailbox.',
    (target, message) => control.followupTask(target, message),
  );

  const wait: ToolHandler<z.infer<typeof WaitArgs>> = {
    name: 'wait_agent',
    spec: functionSpec(
      'wait_agent',
      'Waits until a message reaches your mailbox (a sub-agent finished, or sent you something), or until the timeout. The messages follow in your conversation. Do not poll: one wait covers all your agents.',
      WaitArgs,
    ),
    parallel: true,
    parse: (raw) => parseJsonArguments('wait_agent', raw, WaitArgs),
    run: async (args, ctx) => {
      const item = collabItem(ctx, control, 'wait', null);
      if (args.timeout_ms !== undefined && args.timeout_ms <= 0) {
        const error = 'timeout_ms must be greater than zero.';
        item.finish({ ok: false, error });
        return failed(error);
      }
      const result = await control.wait(args.timeout_ms, ctx.signal);
      item.finish(result.ok ? { ok: true, value: result.value.senders } : result);
      if (!result.ok) return failed(result.error);
      return {
        output: json({ message: result.value.message, timed_out: result.value.timedOut }),
        success: true,
      };
    },
  };

  const interrupt: ToolHandler<z.infer<typeof TargetArgs>> = {
    name: 'interrupt_agent',
    spec: functionSpec(
      'interrupt_agent',
      'Stops the running turn of an agent you spawned (and of the agents it spawned). It stays addressable: followup_task gives it new work.',
      TargetArgs,
    ),
    parallel: true,
    parse: (raw) => parseJsonArguments('interrupt_agent', raw, TargetArgs),
    run: async (args, ctx) => {
      const item = collabItem(ctx, control, 'interrupt_agent', null);
      const result = control.interrupt(args.target);
      item.finish(result.ok ? { ok: true, value: [result.value] } : result);
      if (!result.ok) return failed(result.error);
      return { output: json({ interrupted: true, agent: viewJson(result.value) }), success: true };
    },
  };

  const list: ToolHandler<z.infer<typeof ListArgs>> = {
    name: 'list_agents',
    spec: functionSpec(
      'list_agents',
      'Lists the agents of the tree (path, status, role, last answer), optionally under a path.',
      ListArgs,
    ),
    parallel: true,
    parse: (raw) => parseJsonArguments('list_agents', raw, ListArgs),
    run: async (args, ctx) => {
      const item = collabItem(ctx, control, 'list_agents', null);
      const result = control.list(args.path_prefix);
      item.finish(result);
      if (!result.ok) return failed(result.error);
      return { output: json({ agents: result.value.map(viewJson) }), success: true };
    },
  };

  return [spawn, sendMessage, followupTask, wait, interrupt, list] as ToolHandler[];
}
