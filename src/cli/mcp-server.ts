/**
 * `spool mcp-server`: Spool itself as an MCP server over stdio, so other agents can hand it work.
 *
 * Two tools: `spool` starts a session with a prompt and settings (cwd, model, profile, sandbox,
 * approval policy, instructions, config overrides) and runs one turn; `spool-reply` runs another
 * turn in a session by its thread id. Each answers with the final message, the thread id and the
 * turn's token usage. While a turn runs, a caller that sent a progress token gets a progress
 * notification per finished step (which also keeps its request timeout from firing).
 *
 * No one can be asked for approval here: requests are declined with a reason the model reads. The
 * server's own sandbox and approval settings are upper bounds a call may only narrow
 * (src/agent/settings-bounds.ts); a server started with `-a never` lets callers choose `never`.
 *
 * Sessions live in this process until it exits (stdin closes); MCP servers configured in
 * config.toml are started once and shared by every session.
 */

import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'smol-toml';
import { z } from 'zod';
import { widerThanServer } from '../agent/settings-bounds.js';
import type { Thread } from '../agent/thread.js';
import { ConfigError, exitForConfigError } from '../config/load.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, loadEffectiveConfig, loadRuntime, type Runtime } from '../config/runtime.js';
import { type AttachedGuardian, attachGuardian } from '../guardian/attach.js';
import { messageOf } from '../protocol/errors.js';
import type { SpoolEvent } from '../protocol/events.js';
import { ApprovalPolicy, SandboxMode, type SandboxPolicy } from '../protocol/policy.js';
import { threadTools } from '../session/mcp-tools.js';
import { openThread } from '../session/open-thread.js';
import { McpManager } from '../tools/mcp/manager.js';
import { untrustedCommandRoots } from '../tools/mcp/server-command.js';
import { VERSION } from '../version.js';

interface McpServerIo {
  stdin: Readable;
  stdout: Writable;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const MCP_SERVER_DECLINE_REASON =
  'Spool is running as an MCP server with no one to ask, so this was declined. Work within the sandbox, or tell the caller what needs approval (a caller can choose approval_policy "never" when the server was started with -a never).';

const startInput = {
  prompt: z.string().min(1).describe('What to do: the first user message of the session.'),
  cwd: z.string().optional().describe('Working directory of the session (default: the server’s).'),
  model: z.string().optional().describe('Model to use (default: from config.toml).'),
  profile: z.string().optional().describe('Configuration profile from config.toml.'),
  sandbox: SandboxMode.optional().describe(
    "Sandbox for the commands the model runs (at most the server's own).",
  ),
  approval_policy: ApprovalPolicy.optional().describe(
    "When to ask before running a command. Nobody can answer here: requests are declined. At most as permissive as the server's own policy.",
  ),
  base_instructions: z.string().optional().describe('Replaces Spool’s base instructions.'),
  developer_instructions: z.string().optional().describe('Extra developer instructions.'),
  config: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Configuration overrides by dotted key, as `spool -c key=value` (e.g. {"model_verbosity": "low"}).',
    ),
};

const replyInput = {
  threadId: z.string().min(1).describe('The thread id a `spool` call returned.'),
  prompt: z.string().min(1).describe('The next user message.'),
};

interface Session {
  thread: Thread;
  /** With `approvals_reviewer = "auto_review"`: the guardian deciding what no one here can. */
  guardian?: AttachedGuardian;
}

/** A `-c` override string for one value (TOML syntax, as the flag takes). */
function overrideString(key: string, value: unknown): string {
  const line = stringify({ value }).trim();
  return `${key}=${line.slice(line.indexOf('=') + 1).trim()}`;
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** One line for a progress notification, for the steps worth reporting. */
function progressLine(event: SpoolEvent): string | undefined {
  if (event.type !== 'item.completed') return undefined;
  const item = event.item;
  switch (item.type) {
    case 'command_execution':
      return `ran \`${item.command}\` (exit ${item.exit_code ?? '?'})`;
    case 'file_change':
      return `changed ${item.changes.map((c) => c.path).join(', ')}`;
    case 'mcp_tool_call':
      return `called ${item.server}/${item.tool} (${item.status})`;
    case 'agent_message':
      return item.text.length > 200 ? `${item.text.slice(0, 200)}…` : item.text;
    default:
      return undefined;
  }
}

interface CallExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; message?: string };
  }) => Promise<void>;
}

class SpoolMcpServer {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly flags: CliFlags,
    private readonly io: McpServerIo,
    private readonly mcp: McpManager,
  ) {}

  private say(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  async start(args: z.infer<z.ZodObject<typeof startInput>>, extra: CallExtra): Promise<CallToolResult> {
    const overrides = Object.entries(args.config ?? {}).map(([key, value]) => overrideString(key, value));
    if (args.base_instructions !== undefined)
      overrides.push(overrideString('base_instructions', args.base_instructions));
    if (args.developer_instructions !== undefined)
      overrides.push(overrideString('developer_instructions', args.developer_instructions));
    let runtime: Runtime;
    try {
      runtime = loadRuntime(
        {
          ...this.flags,
          config: [...(this.flags.config ?? []), ...overrides],
          ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
          ...(args.model !== undefined ? { model: args.model } : {}),
          ...(args.profile !== undefined ? { profile: args.profile } : {}),
          ...(args.sandbox !== undefined ? { sandbox: args.sandbox } : {}),
          ...(args.approval_policy !== undefined ? { approvalPolicy: args.approval_policy } : {}),
        },
        this.io.env,
      );
    } catch (err) {
      if (err instanceof ConfigError) return errorResult(`Invalid settings: ${err.message}`);
      throw err;
    }
    const cwd = runtime.settings.cwd;
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) {
      return errorResult(`The working directory ${cwd} does not exist.`);
    }
    // The call's settings may only narrow the server's own (its command line and configuration).
    let bounds: Runtime;
    try {
      bounds = loadRuntime(this.flags, this.io.env);
    } catch (err) {
      if (err instanceof ConfigError)
        return errorResult(`The server's own settings are invalid: ${err.message}`);
      throw err;
    }
    const wider = widerThanServer(
      bounds.settings,
      runtime.settings,
      this.io.env,
      '(the bound `spool mcp-server` was started with; a call may only narrow it)',
    );
    if (wider) return errorResult(`Refused: ${wider}.`);
    // The same check as every other front end: each provider's own key variable.
    const missingKey = missingKeyMessage(runtime.provider);
    if (missingKey) return errorResult(`${missingKey} (in the environment of \`spool mcp-server\`).`);
    const { thread } = openThread(runtime, threadTools(runtime.settings, this.mcp), { kind: 'ephemeral' });
    thread.subscribe((event) => {
      if (event.type === 'approval.requested') {
        thread.resolveApproval(event.request.id, 'denied', MCP_SERVER_DECLINE_REASON);
      } else if (event.type === 'warning') {
        this.say(`spool mcp-server: warning: ${event.message}`);
      }
    });
    // No one can be asked here, so an escalation is a denial; the guardian decides the rest.
    const guardian = attachGuardian(thread, runtime, { humanAttached: () => false });
    this.sessions.set(thread.id, { thread, ...(guardian ? { guardian } : {}) });
    return this.runTurn(thread, args.prompt, extra);
  }

  async reply(args: z.infer<z.ZodObject<typeof replyInput>>, extra: CallExtra): Promise<CallToolResult> {
    const session = this.sessions.get(args.threadId);
    if (!session) {
      return errorResult(
        `No session with thread id ${args.threadId} in this server (sessions end when it exits).`,
      );
    }
    if (session.thread.running) {
      return errorResult(`Session ${args.threadId} is still running a turn; wait for it to finish.`);
    }
    return this.runTurn(session.thread, args.prompt, extra);
  }

  private async runTurn(thread: Thread, prompt: string, extra: CallExtra): Promise<CallToolResult> {
    const token = extra._meta?.progressToken;
    let progress = 0;
    // Notifications go out in order, and all before the result: a client drops progress that
    // arrives after the answer to its request.
    let sent: Promise<void> = Promise.resolve();
    const unsubscribe =
      token === undefined
        ? () => undefined
        : thread.subscribe((event) => {
            const message = progressLine(event);
            if (message === undefined) return;
            progress++;
            const params = { progressToken: token, progress, message };
            sent = sent.then(() =>
              extra.sendNotification({ method: 'notifications/progress', params }).catch((err: unknown) => {
                this.io.stderr.write(`spool mcp-server: progress not sent: ${messageOf(err)}\n`);
              }),
            );
          });
    try {
      const outcome = await thread.runTurn(prompt, { signal: extra.signal });
      unsubscribe();
      await sent;
      const base = { threadId: thread.id, status: outcome.status, usage: outcome.usage };
      if (outcome.status === 'completed') {
        const finalMessage = outcome.finalMessage ?? '';
        return {
          content: [{ type: 'text', text: finalMessage }],
          structuredContent: { ...base, finalMessage },
        };
      }
      const message =
        outcome.status === 'failed'
          ? `The turn failed: ${outcome.error.message}`
          : 'The turn was interrupted.';
      return {
        content: [{ type: 'text', text: `${message} (thread ${thread.id})` }],
        structuredContent: { ...base, error: message },
        isError: true,
      };
    } finally {
      unsubscribe();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      [...this.sessions.values()].map(async (s) => {
        await s.guardian?.close();
        await s.thread.close();
      }),
    );
    this.sessions.clear();
  }
}

/**
 * Serves MCP on `io.stdin`/`io.stdout` until stdin closes. `flags` are the defaults of every
 * session (`spool mcp-server -c …`); a call's own settings take precedence. Resolves with the exit
 * code.
 */
export async function runMcpServer(flags: CliFlags, io: McpServerIo): Promise<number> {
  let mcpServers: ReturnType<typeof loadEffectiveConfig>['config']['mcp_servers'];
  let home: string;
  let sandboxPolicy: SandboxPolicy;
  try {
    const effective = loadEffectiveConfig(flags, io.env);
    mcpServers = effective.config.mcp_servers;
    home = effective.home;
    sandboxPolicy = loadRuntime(flags, io.env).settings.sandbox;
  } catch (err) {
    return exitForConfigError(err, io.stderr, 'spool mcp-server');
  }
  const cwd = path.resolve(flags.cwd ?? process.cwd());
  const mcp = new McpManager(mcpServers, {
    spoolHome: home,
    env: io.env,
    cwd,
    untrustedRoots: untrustedCommandRoots(sandboxPolicy, cwd, io.env),
    onWarning: (message) => io.stderr.write(`spool mcp-server: warning: ${message}\n`),
  });
  const spool = new SpoolMcpServer(flags, io, mcp);
  const server = new McpServer({ name: 'spool', title: 'Spool', version: VERSION });
  server.registerTool(
    'spool',
    {
      title: 'Start a Spool session',
      description:
        'Starts a Spool coding-agent session with a prompt and runs it until the agent answers. Returns the final message and the thread id to continue with `spool-reply`.',
      inputSchema: startInput,
    },
    async (args, extra) => {
      // Spool's own MCP servers are in the first request: each is waited for within its own
      // startup_timeout_sec (started when this server started, so usually long done).
      await mcp.settled();
      return spool.start(args, extra as unknown as CallExtra);
    },
  );
  server.registerTool(
    'spool-reply',
    {
      title: 'Continue a Spool session',
      description:
        'Sends the next prompt to a Spool session started with `spool` and runs it until the agent answers.',
      inputSchema: replyInput,
    },
    (args, extra) => spool.reply(args, extra as unknown as CallExtra),
  );

  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const ended = new Promise<void>((resolve) => {
    io.stdin.once('end', () => resolve());
    io.stdin.once('close', () => resolve());
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await ended;
  await spool.close();
  await mcp.close();
  await server
    .close()
    .catch((err: unknown) =>
      io.stderr.write(`spool mcp-server: closing the server failed: ${messageOf(err)}\n`),
    );
  return 0;
}
