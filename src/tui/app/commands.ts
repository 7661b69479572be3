/**
 * Slash commands: `/new`, `/resume`, `/fork`, `/compact`, `/model`, `/approvals`, `/status`,
 * `/diff`, `/agents`, `/review`, `/init`, `/mcp`, `/approve`, `/plan`, `/help`, `/quit`. Each runs against the
 * app through `CommandHost`.
 */

import { formatUsd } from '../../model/prices.js';
import type { HostGit } from '../../sandbox/host-git.js';
import { visibleText } from '../../text/terminal-safe.js';
import { renderDiff } from '../render/diff.js';
import { paint } from '../terminal/ansi.js';
import { Picker, type PickerItem } from '../view/picker.js';
import { cacheHitPercent, compactCount, contextLeftPercent } from '../view/status-line.js';
import { Transcript } from '../view/transcript.js';
import type { V2SandboxPolicy, V2Thread, V2TokenUsage, V2Turn } from '../view/v2.js';
import { approvalName, sandboxName } from '../view/v2.js';
import { writeStarterAgentsMd } from './agents-md.js';
import { gitDiff } from './git-diff.js';
import { type CollaborationModeSetting, togglePlanMode } from './plan-mode.js';
import { reviewCommand } from './review.js';
import type { SessionClient } from './session.js';

export interface NextTurnSettings {
  model?: string;
  approvalPolicy?: string;
  sandboxPolicy?: V2SandboxPolicy;
  /** Codex's collaboration mode (`/plan`; docs/plan-mode.md). */
  collaborationMode?: CollaborationModeSetting;
}

export interface CommandHost {
  readonly session: SessionClient;
  readonly transcript: Transcript;
  readonly busy: boolean;
  readonly usage: V2TokenUsage | undefined;
  /** Settings the next `turn/start` carries (they stay for the turns after it). */
  nextTurn: NextTurnSettings;
  /** Review ids of actions the guardian denied in this thread, oldest first (for `/approve`). */
  deniedReviews: string[];
  /** The sub-agents announced to this view (docs/agents.md), with their last known status. */
  agents(): Array<{ path: string; threadId: string; status: string }>;
  cwd(): string;
  /** git for the session's repository, pinned when it opened (undefined outside one). */
  git(): HostGit | undefined;
  openPicker<T>(picker: Picker<T>): void;
  /** Opens a thread (new, resumed, forked) in place of the current one. */
  openThread(
    method: 'thread/start' | 'thread/resume' | 'thread/fork',
    params: object,
    title: string,
  ): Promise<void>;
  quit(): void;
  invalidate(): void;
}

export interface SlashCommand {
  name: string;
  description: string;
  /** May it run while a turn is running? */
  duringTurn: boolean;
  run(host: CommandHost, args: string): Promise<void> | void;
}

function ago(unixSeconds: number): string {
  const s = Math.max(0, Math.floor(Date.now() / 1000) - unixSeconds);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

async function resumePicker(host: CommandHost): Promise<void> {
  const page = await host.session.request<{ data: V2Thread[] }>('thread/list', {
    limit: 50,
    sortKey: 'updated_at',
  });
  const items: Array<PickerItem<string>> = page.data
    .filter((t) => t.id !== host.session.threadId)
    .map((t) => ({
      label: (t.preview || '(no prompt yet)').replace(/\s+/g, ' ').slice(0, 60),
      detail: `${ago(t.updatedAt)} · ${t.cwd} · ${t.id.slice(0, 8)}`,
      value: t.id,
    }));
  if (items.length === 0) {
    host.transcript.system('info', 'No other recorded session to resume.');
    return;
  }
  host.openPicker(
    new Picker('Resume a session', items, (id) => {
      void host.openThread('thread/resume', { threadId: id }, `Resumed session ${id}`);
    }),
  );
}

async function fork(host: CommandHost, args: string): Promise<void> {
  const id = host.session.threadId;
  if (!id) return;
  let lastTurnId: string | undefined;
  if (args.trim() !== '') {
    const at = Number(args.trim());
    const read = await host.session.request<{ thread: V2Thread }>('thread/read', {
      threadId: id,
      includeTurns: true,
    });
    const turn = Number.isInteger(at) && at >= 1 ? read.thread.turns[at - 1] : undefined;
    if (!turn) {
      host.transcript.system('error', `/fork N: N is a turn number from 1 to ${read.thread.turns.length}`);
      return;
    }
    lastTurnId = turn.id;
  }
  await host.openThread(
    'thread/fork',
    { threadId: id, ...(lastTurnId ? { lastTurnId } : {}) },
    `Forked session ${id}`,
  );
}

async function model(host: CommandHost, args: string): Promise<void> {
  const choose = (value: string) => {
    host.nextTurn.model = value;
    host.transcript.system('info', `Model for the next turns: ${value}`);
    host.invalidate();
  };
  if (args.trim()) {
    choose(args.trim());
    return;
  }
  const list = await host.session.request<{
    data: Array<{ id: string; description: string; isDefault: boolean }>;
  }>('model/list', {});
  host.openPicker(
    new Picker(
      'Choose a model',
      list.data.map((m) => ({
        label: m.id,
        detail: [m.isDefault ? 'configured' : '', m.description].filter(Boolean).join(' · '),
        value: m.id,
      })),
      choose,
    ),
  );
}

const PRESETS: Array<PickerItem<{ approvalPolicy: string; sandboxPolicy: V2SandboxPolicy }>> = [
  {
    label: 'Read only',
    detail: 'read files; ask before any change or network use',
    value: { approvalPolicy: 'on-request', sandboxPolicy: { type: 'readOnly' } },
  },
  {
    label: 'Auto',
    detail: 'edit and run in the workspace; ask for anything beyond it',
    value: { approvalPolicy: 'on-request', sandboxPolicy: { type: 'workspaceWrite' } },
  },
  {
    label: 'Untrusted',
    detail: 'ask before any command not known to be safe',
    value: { approvalPolicy: 'untrusted', sandboxPolicy: { type: 'workspaceWrite' } },
  },
  {
    label: 'Full access',
    detail: 'no sandbox, never ask (dangerous)',
    value: { approvalPolicy: 'never', sandboxPolicy: { type: 'dangerFullAccess' } },
  },
];

function approvals(host: CommandHost): void {
  host.openPicker(
    new Picker('Approval mode', PRESETS, (value) => {
      host.nextTurn.approvalPolicy = value.approvalPolicy;
      host.nextTurn.sandboxPolicy = value.sandboxPolicy;
      host.transcript.system(
        'info',
        `From the next turn: approvals ${value.approvalPolicy}, sandbox ${sandboxName(value.sandboxPolicy)}`,
      );
      host.invalidate();
    }),
  );
}

/**
 * `/agents`: the tree under this session's thread (`/root`), by path, with each agent's status.
 * `/agents PATH`: that agent's conversation so far, read-only (its parent drives it), shown as a
 * snapshot between two rules; the view stays on this session's thread.
 */
async function agents(host: CommandHost, args: string): Promise<void> {
  const list = host.agents();
  if (list.length === 0) {
    host.transcript.system(
      'info',
      'No sub-agents yet: the model starts them with spawn_agent (docs/agents.md).',
    );
    return;
  }
  const wanted = args.trim();
  if (wanted !== '') {
    const agent = list.find((a) => a.path === wanted || a.path.endsWith(`/${wanted}`));
    if (!agent) {
      host.transcript.system('error', `/agents: no agent ${visibleText(wanted)}; /agents lists them`);
      return;
    }
    const read = await host.session.request<{ thread: { turns: V2Turn[] } }>('thread/read', {
      threadId: agent.threadId,
      includeTurns: true,
    });
    // Its own transcript (item ids are per thread), rendered once into this one's scrollback.
    const snapshot = new Transcript(host.transcript.width, () => host.cwd());
    snapshot.replay(read.thread.turns);
    host.transcript.block([
      paint(`── agent ${visibleText(agent.path)} (read-only) ──`, { dim: true }),
      ...snapshot.takeCommitted(),
      paint(`── end of ${visibleText(agent.path)} ──`, { dim: true }),
    ]);
    return;
  }
  const lines = ['/root  (this view)'];
  for (const agent of [...list].sort((a, b) => a.path.localeCompare(b.path))) {
    const depth = agent.path.split('/').length - 2;
    lines.push(`${'  '.repeat(depth)}${visibleText(agent.path)}  ${agent.status}  ${agent.threadId}`);
  }
  lines.push(paint('/agents PATH shows an agent’s conversation (read-only)', { dim: true }));
  host.transcript.block(lines);
}

function status(host: CommandHost): void {
  const opened = host.session.opened;
  if (!opened) return;
  const usage = host.usage;
  const row = (label: string, value: string) => `  ${paint(label.padEnd(14), { dim: true })}${value}`;
  const lines = [
    paint('Session', { bold: true }),
    row('id', opened.thread.id),
    row('log', opened.thread.path ?? '(not recorded)'),
    row('directory', host.cwd()),
    row(
      'model',
      `${host.nextTurn.model ?? opened.model} (${opened.modelProvider})${opened.reasoningEffort ? ` · effort ${opened.reasoningEffort}` : ''}`,
    ),
    row('approvals', approvalName(host.nextTurn.approvalPolicy ?? opened.approvalPolicy)),
    row('sandbox', sandboxName(host.nextTurn.sandboxPolicy ?? opened.sandbox)),
  ];
  if (usage) {
    const t = usage.total;
    lines.push(
      row(
        'tokens',
        `${compactCount(t.totalTokens)} total · ${compactCount(t.inputTokens)} in · ${compactCount(t.outputTokens)} out · ${compactCount(t.reasoningOutputTokens)} reasoning`,
      ),
      row(
        'cache',
        `${compactCount(t.cachedInputTokens)} cached input tokens (${cacheHitPercent(usage) ?? 0}%)`,
      ),
    );
    const cost = usage.cost?.total;
    if (cost)
      lines.push(
        row(
          'cost',
          cost.usd === null
            ? 'unknown (no price for the model: set [model_prices."<model>"] in config.toml)'
            : `${formatUsd(cost.usd)} · uncached input ${formatUsd(cost.uncachedInputUsd)} · cached input ${formatUsd(cost.cachedInputUsd)} · output ${formatUsd(cost.outputUsd)}`,
        ),
      );
    const left = contextLeftPercent(usage);
    if (left !== undefined && usage.modelContextWindow)
      lines.push(row('context', `${left}% left of ${compactCount(usage.modelContextWindow)}`));
  } else lines.push(row('tokens', 'none used yet'));
  host.transcript.block(lines);
}

async function diff(host: CommandHost): Promise<void> {
  const result = await gitDiff(host.cwd(), host.git());
  if (!result.ok) {
    host.transcript.system('info', result.message);
    return;
  }
  if (result.diff.trim() === '') {
    host.transcript.system('info', 'No changes in the working tree.');
    return;
  }
  const width = host.transcript.width;
  host.transcript.block([
    paint('Working tree changes (git diff HEAD)', { bold: true }),
    ...renderDiff(result.diff, width, { fileHeaders: true, maxLines: 2000 }),
  ]);
}

function init(host: CommandHost): void {
  const outcome = writeStarterAgentsMd(host.cwd());
  if (outcome.written)
    host.transcript.system(
      'info',
      `Wrote a starter ${outcome.file}; fill it in (or ask the agent to) so later sessions start with it.`,
    );
  else host.transcript.system('warning', `Did not write ${outcome.file}: ${outcome.reason}.`);
}

async function mcp(host: CommandHost): Promise<void> {
  const read = await host.session.request<{
    config: { mcp_servers?: Record<string, Record<string, unknown>> };
  }>('config/read', { cwd: host.cwd() });
  const servers = Object.entries(read.config.mcp_servers ?? {});
  if (servers.length === 0) {
    host.transcript.system('info', 'No MCP servers are configured (add one with `spool mcp add`).');
    return;
  }
  host.transcript.block([
    paint('MCP servers', { bold: true }),
    ...servers.map(([name, server]) => {
      const where =
        typeof server.url === 'string'
          ? server.url
          : [server.command, ...((server.args as string[] | undefined) ?? [])].filter(Boolean).join(' ');
      const off = server.enabled === false ? paint(' (disabled)', { dim: true }) : '';
      return `  ${paint(name, { fg: 'cyan' })}${off}  ${paint(where, { dim: true })}`;
    }),
  ]);
}

const COMMANDS: readonly SlashCommand[] = [
  {
    name: 'new',
    description: 'start a new session',
    duringTurn: false,
    run: (h) => h.openThread('thread/start', {}, 'New session'),
  },
  { name: 'resume', description: 'resume a recorded session', duringTurn: false, run: resumePicker },
  { name: 'fork', description: 'fork this session (/fork N: through turn N)', duringTurn: false, run: fork },
  {
    name: 'compact',
    description: 'summarise the conversation to free context',
    duringTurn: false,
    run: async (h) => {
      await h.session.request('thread/compact/start', { threadId: h.session.threadId });
    },
  },
  { name: 'model', description: 'choose the model for the next turns', duringTurn: true, run: model },
  {
    name: 'plan',
    description: 'plan mode on/off: explore and propose a plan, change nothing',
    duringTurn: true,
    run: togglePlanMode,
  },
  {
    name: 'approvals',
    description: 'choose what the agent may do without asking',
    duringTurn: true,
    run: approvals,
  },
  {
    name: 'status',
    description: 'show the session, model, sandbox and token usage',
    duringTurn: true,
    run: status,
  },
  { name: 'diff', description: 'show the working tree changes (git diff)', duringTurn: true, run: diff },
  {
    name: 'agents',
    description: 'list the sub-agents (/agents PATH: show one’s conversation, read-only)',
    duringTurn: true,
    run: agents,
  },
  {
    name: 'review',
    description: 'review a change with a read-only reviewer (/review TEXT: custom instructions)',
    duringTurn: false,
    run: reviewCommand,
  },
  { name: 'init', description: 'write a starter AGENTS.md', duringTurn: true, run: init },
  { name: 'mcp', description: 'list the configured MCP servers', duringTurn: true, run: mcp },
  {
    name: 'approve',
    description: 'run the action the guardian last denied, once',
    duringTurn: true,
    run: approveDenied,
  },
  {
    name: 'help',
    description: 'list the commands and keys',
    duringTurn: true,
    run: (h) =>
      h.transcript.block([
        paint('Commands', { bold: true }),
        ...COMMANDS.map((c) => `  /${c.name.padEnd(10)} ${paint(c.description, { dim: true })}`),
        paint('Keys', { bold: true }),
        `  ${paint('enter send · shift/alt+enter or ctrl+j new line · ↑/↓ history · @ mention a file · $ use a skill', { dim: true })}`,
        `  ${paint('esc or ctrl+c interrupt the turn · ctrl+c twice quit · ctrl+d quit on an empty prompt', { dim: true })}`,
      ]),
  },
  { name: 'quit', description: 'quit Spool', duringTurn: true, run: (h) => h.quit() },
  { name: 'exit', description: 'quit Spool', duringTurn: true, run: (h) => h.quit() },
];

/** `/approve`: the last action the guardian denied may run once (the agent is told). */
async function approveDenied(host: CommandHost): Promise<void> {
  const reviewId = host.deniedReviews.pop();
  const threadId = host.session.threadId;
  if (!reviewId || !threadId) {
    host.transcript.system('info', 'The guardian has denied nothing in this session.');
    return;
  }
  await host.session.request('thread/approveGuardianDeniedAction', { threadId, event: { id: reviewId } });
  host.transcript.system(
    'info',
    'Approved once: the agent is told, and the denied action runs if it asks for it again.',
  );
}

export function findCommand(name: string): SlashCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function matchingCommands(prefix: string): SlashCommand[] {
  return COMMANDS.filter((c) => c.name.startsWith(prefix));
}
