/**
 * A sub-agent's settings, derived from its parent's: the role and the spawn's arguments choose
 * model, reasoning effort and instructions; the parent's sandbox (mode, writable roots, network),
 * approval policy and cwd are applied last, so neither a role nor an argument can widen them. A
 * role may narrow the sandbox (to read-only); one asking for more is refused. Pure.
 */
import type { SandboxMode } from '../protocol/policy.js';
import type { ThreadSettings } from '../protocol/settings.js';
import type { AgentRole } from './roles.js';

const RANK: Record<SandboxMode, number> = { 'read-only': 0, 'workspace-write': 1, 'danger-full-access': 2 };

export interface ChildIdentity {
  path: string;
  parentPath: string;
  depth: number;
  maxDepth: number;
}

/** What the child is told about its place in the tree (part of its developer instructions). */
function identityText(identity: ChildIdentity, role: AgentRole | undefined): string {
  const lines = [
    `You are a sub-agent in a tree of agents. Your agent path is ${identity.path}; your parent is ${identity.parentPath}.`,
    'Your final answer is delivered to your parent automatically when your turn ends: make it complete and self-contained. Messages from other agents reach you as <agent_message> blocks.',
    identity.depth < identity.maxDepth
      ? 'You may spawn sub-agents of your own for independent parts of your task.'
      : 'You are at the deepest level of the tree: do the work yourself (spawn_agent is refused).',
  ];
  if (role) lines.push(`Your role: ${role.name}.`);
  return lines.join('\n');
}

export function childSettings(
  parent: ThreadSettings,
  identity: ChildIdentity,
  role: AgentRole | undefined,
  request: { model?: string; reasoningEffort?: string },
): { ok: true; settings: ThreadSettings } | { ok: false; error: string } {
  const parentMode: SandboxMode = parent.bypassSandbox ? 'danger-full-access' : parent.sandbox.mode;
  const wanted = role?.sandboxMode;
  if (wanted && RANK[wanted] > RANK[parentMode])
    return {
      ok: false,
      error: `Role "${role?.name}" asks for sandbox ${wanted}, wider than this agent's ${parentMode}: a sub-agent can never have more access than its parent. Use another role.`,
    };
  const narrowed = wanted !== undefined && RANK[wanted] < RANK[parentMode];
  const model = request.model ?? role?.model ?? parent.model;
  const effort = request.reasoningEffort ?? role?.reasoningEffort;
  const instructions = [
    identityText(identity, role),
    role?.developerInstructions,
    parent.developerInstructions,
  ]
    .filter((part): part is string => Boolean(part?.trim()))
    .join('\n\n');
  const settings: ThreadSettings = {
    ...parent,
    model,
    ...(effort ? { reasoning: { ...parent.reasoning, effort } } : {}),
    developerInstructions: instructions,
    // No structured output for a child: its answer is a message for its parent.
    outputSchema: undefined,
    // Applied last: the parent's limits, narrowed by the role at most.
    cwd: parent.cwd,
    approvalPolicy: parent.approvalPolicy,
    bypassSandbox: narrowed ? false : parent.bypassSandbox,
    sandbox: narrowed
      ? {
          ...parent.sandbox,
          mode: wanted,
          writableRoots: wanted === 'read-only' ? [] : parent.sandbox.writableRoots,
          networkAccess: wanted === 'read-only' ? false : parent.sandbox.networkAccess,
        }
      : { ...parent.sandbox },
  };
  if (settings.outputSchema === undefined) delete settings.outputSchema;
  return { ok: true, settings };
}
