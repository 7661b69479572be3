/**
 * Test helpers for the sandbox suites: a workspace and an "outside" directory that are not under
 * /tmp (which is writable by default), tool contexts with a recorded approval channel, file hashes,
 * and host process scans.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalDecision, ApprovalRequest } from '../../src/protocol/events.js';
import {
  type ApprovalPolicy,
  defaultSandboxPolicy,
  type SandboxMode,
  type SandboxPolicy,
} from '../../src/protocol/policy.js';
import { filterShellEnvironment } from '../../src/sandbox/environment.js';
import type { ToolContext, ToolHandler, ToolResult } from '../../src/tools/types.js';
import { RecordingSink } from '../shell/helpers.js';

/** A base directory outside /tmp: /var/tmp where it exists, else the home directory. */
function outsideTmpBase(): string {
  return existsSync('/var/tmp') ? '/var/tmp' : homedir();
}

export interface Layout {
  base: string;
  /** The session's cwd (a writable root in workspace-write). */
  work: string;
  /** Not writable from the sandbox. */
  outside: string;
  /** The Spool home of the tests' contexts (outside the workspace unless a test moves it). */
  home: string;
  cleanup(): void;
}

export function makeLayout(prefix = 'spool-sbx-'): Layout {
  const base = mkdtempSync(join(outsideTmpBase(), prefix));
  const work = join(base, 'work');
  const outside = join(base, 'outside');
  const home = join(base, 'home');
  for (const dir of [work, outside, home]) mkdirSync(dir);
  return { base, work, outside, home, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export interface ContextOptions {
  mode?: SandboxMode;
  policy?: ApprovalPolicy;
  sandbox?: Partial<SandboxPolicy>;
  spoolHome?: string;
  env?: NodeJS.ProcessEnv;
  bypass?: boolean;
  /** Answers approval requests (default: deny). */
  answer?: (
    request: Omit<ApprovalRequest, 'id'>,
  ) => ApprovalDecision | { decision: ApprovalDecision; reason: string };
  sessionApprovals?: Set<string>;
}

export interface TestContext {
  ctx: ToolContext;
  sink: RecordingSink;
  /** Every approval request, in order. */
  requests: Array<Omit<ApprovalRequest, 'id'>>;
}

/** The environment commands get, as the runtime builds it: Spool's own, secrets filtered out. */
export function commandEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = filterShellEnvironment({ ...process.env, ...extra });
  // /tmp and $TMPDIR are writable roots; keep $TMPDIR out so the roots are known.
  delete env.TMPDIR;
  return env;
}

export function makeContext(cwd: string, options: ContextOptions = {}): TestContext {
  const sink = new RecordingSink();
  const requests: Array<Omit<ApprovalRequest, 'id'>> = [];
  const ctx: ToolContext = {
    cwd,
    callId: 'call_1',
    turnId: 'turn_1',
    signal: new AbortController().signal,
    sandbox: { ...defaultSandboxPolicy(options.mode ?? 'workspace-write'), ...options.sandbox },
    approvalPolicy: options.policy ?? 'never',
    bypassSandbox: options.bypass ?? false,
    env: options.env ?? commandEnv(),
    ...(options.spoolHome ? { spoolHome: options.spoolHome } : {}),
    items: sink,
    requestApproval: async (request) => {
      requests.push(request);
      const answer = options.answer?.(request) ?? 'denied';
      return typeof answer === 'string' ? { decision: answer } : answer;
    },
    sessionApprovals: options.sessionApprovals ?? new Set(),
  };
  return { ctx, sink, requests };
}

export async function call<A>(tool: ToolHandler<A>, args: unknown, ctx: ToolContext): Promise<ToolResult> {
  const parsed = tool.parse(JSON.stringify(args), 'function');
  if (!parsed.ok) throw new Error(parsed.error);
  return tool.run(parsed.args, ctx);
}

export function text(result: ToolResult): string {
  return typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
}

/** sha256 of a file, or 'absent'. */
export function hashOf(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'absent';
  }
}

/** Host pids whose command line contains `needle` (a unique marker in the test's command). */
export function hostProcessesWith(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(needle) && state !== 'Z') found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}
