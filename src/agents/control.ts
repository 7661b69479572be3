/**
 * The collaboration tools' port (tools/collab/control.ts) for one agent of a tree: targets resolve
 * against its path, and what it may do to the others is checked here (no follow-up to the root,
 * interrupts only below itself, the concurrency limit).
 */
import type { UserInput } from '../agent/thread.js';
import type { AgentControl, AgentView, ControlResult, SpawnRequest } from '../tools/collab/control.js';
import { formatAgentMessage } from './mailbox.js';
import type { AgentNode } from './node.js';
import { isWithin, ROOT_PATH, resolveTarget } from './path.js';
import { waitForMessage } from './wait.js';

/** What the port may do with its tree. */
export interface ControlHost {
  node(path: string): AgentNode | undefined;
  /** A spawn of `path` is still starting (its MCP servers): the agent does not exist yet. */
  starting(path: string): boolean;
  all(): AgentNode[];
  root(): AgentNode | undefined;
  /** The tree is shutting down: nothing new starts. */
  stopped(): boolean;
  busy(node: AgentNode): boolean;
  view(node: AgentNode): AgentView;
  deliver(to: AgentNode, text: string, sender: AgentNode | undefined, resume: boolean): void;
  begin(node: AgentNode, input: UserInput): void;
  limitError(): string | undefined;
  interruptSubtree(node: AgentNode): void;
  spawn(caller: AgentNode, request: SpawnRequest): Promise<ControlResult<AgentView>>;
}

export function agentControl(host: ControlHost, path: string): AgentControl {
  const self = (): AgentNode => {
    const node = host.node(path);
    if (!node) throw new Error(`the agent ${path} is not part of the tree yet`);
    return node;
  };
  const target = (name: string): ControlResult<AgentNode> => {
    const resolved = resolveTarget(path, name);
    if (!resolved.ok) return resolved;
    const node = host.node(resolved.path);
    if (!node && host.starting(resolved.path))
      return {
        ok: false,
        error: `The agent ${resolved.path} is still starting (its MCP servers); it gets its task from spawn_agent. Try again once spawn_agent has returned.`,
      };
    if (!node)
      return {
        ok: false,
        error: `No agent at ${resolved.path}. Agents: ${host
          .all()
          .map((n) => n.path)
          .join(', ')}.`,
      };
    return { ok: true, value: node };
  };
  return {
    self: () => ({ path, threadId: self().thread.id }),
    spawn: async (request) => host.spawn(self(), request),
    sendMessage: (name, message) => {
      const found = target(name);
      if (!found.ok) return found;
      if (found.value.path === path) return { ok: false, error: 'An agent cannot send a message to itself.' };
      const text = formatAgentMessage({ type: 'MESSAGE', sender: path, payload: message });
      host.deliver(found.value, text, self(), false);
      return { ok: true, value: host.view(found.value) };
    },
    followupTask: (name, message) => {
      const found = target(name);
      if (!found.ok) return found;
      const node = found.value;
      if (node === host.root())
        return {
          ok: false,
          error: 'followup_task cannot target /root: use send_message to reach the root.',
        };
      if (node.path === path) return { ok: false, error: 'An agent cannot give itself a follow-up task.' };
      if (host.stopped()) return { ok: false, error: 'The agent tree is shutting down: no new turn starts.' };
      const text = formatAgentMessage({ type: 'TASK', sender: path, payload: message });
      if (host.busy(node)) {
        node.thread.deliverMessage(text);
        return { ok: true, value: host.view(node) };
      }
      const limit = host.limitError();
      if (limit) return { ok: false, error: limit };
      host.begin(node, [...node.thread.takeMail(), text].join('\n\n'));
      return { ok: true, value: host.view(node) };
    },
    wait: (timeoutMs, signal) => waitForMessage(host, self(), timeoutMs, signal),
    interrupt: (name) => {
      const found = target(name);
      if (!found.ok) return found;
      const node = found.value;
      if (node.path === path || !isWithin(node.path, path))
        return {
          ok: false,
          error: `interrupt_agent stops only agents you spawned (below ${path}); ${node.path} is not one of them.`,
        };
      host.interruptSubtree(node);
      return { ok: true, value: { ...host.view(node), status: 'interrupted' } };
    },
    list: (prefix) => {
      let under = ROOT_PATH;
      if (prefix !== undefined && prefix.trim() !== '') {
        const resolved = resolveTarget(path, prefix);
        if (!resolved.ok) return resolved;
        under = resolved.path;
      }
      return {
        ok: true,
        value: host
          .all()
          .filter((node) => isWithin(node.path, under))
          .map((node) => host.view(node)),
      };
    },
  };
}
