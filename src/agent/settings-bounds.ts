/**
 * A server's own settings as upper bounds for what a remote caller asks: `spool mcp-server`'s
 * command line for the sessions a calling model starts, the app-server's for `command/exec` of a
 * client that is not the human's own session. A caller may narrow the sandbox and ask for more
 * approvals, never the reverse. Whatever it sets — a sandbox, an approval policy, a profile, or
 * configuration keys such as `sandbox_mode`, `sandbox_workspace_write.*` or
 * `shell_environment_policy` — the settings it gets are compared with the server's, and wider ones
 * are refused with the reason. Pure.
 */

import type { ApprovalPolicy, SandboxMode, SandboxPolicy } from '../protocol/policy.js';
import type { ThreadSettings } from '../protocol/settings.js';

const SANDBOX_WIDTH: Record<SandboxMode, number> = {
  'read-only': 0,
  'workspace-write': 1,
  'danger-full-access': 2,
};

/** The sandbox part of the bound alone (for work that asks no approvals, like `command/exec`). */
export function sandboxWiderThan(
  server: SandboxPolicy,
  asked: SandboxPolicy,
  bound: string,
): string | undefined {
  if (SANDBOX_WIDTH[asked.mode] > SANDBOX_WIDTH[server.mode])
    return `sandbox ${asked.mode} is wider than ${server.mode} ${bound}`;
  if (asked.mode === 'workspace-write' && server.mode === 'workspace-write') {
    const extra = asked.writableRoots.filter((root) => !server.writableRoots.includes(root));
    if (extra.length > 0) return `writable roots ${extra.join(', ')} are not among the server's ${bound}`;
    if (asked.networkAccess && !server.networkAccess)
      return `network access in the sandbox is not allowed ${bound}`;
    if (!asked.excludeSlashTmp && server.excludeSlashTmp) return `a writable /tmp is not allowed ${bound}`;
    if (!asked.excludeTmpdirEnvVar && server.excludeTmpdirEnvVar)
      return `a writable $TMPDIR is not allowed ${bound}`;
  }
  if (asked.mode === 'read-only' && asked.networkAccess && !server.networkAccess)
    return `network access in the sandbox is not allowed ${bound}`;
  return undefined;
}

/** How much runs without asking: `untrusted` asks the most, `never` nothing. */
const APPROVAL_FREEDOM: Record<ApprovalPolicy, number> = {
  untrusted: 0,
  'on-request': 1,
  'on-failure': 2,
  never: 3,
};

type Bounded = Pick<ThreadSettings, 'sandbox' | 'approvalPolicy' | 'bypassSandbox' | 'shellEnv'>;

/**
 * Why `session` is wider than `server` allows, or undefined when it is within it. `env` is the
 * server's environment (a session may not hand commands a variable of it the server would not).
 */
export function widerThanServer(
  server: Bounded,
  session: Bounded,
  env: NodeJS.ProcessEnv,
  bound = '(the bound the server was started with; a call may only narrow it)',
): string | undefined {
  if (session.bypassSandbox && !server.bypassSandbox)
    return `running without sandbox and approvals is not allowed ${bound}`;
  const sandbox = sandboxWiderThan(server.sandbox, session.sandbox, bound);
  if (sandbox) return sandbox;
  if (APPROVAL_FREEDOM[session.approvalPolicy] > APPROVAL_FREEDOM[server.approvalPolicy])
    return `approval policy ${session.approvalPolicy} asks less than ${server.approvalPolicy} ${bound}`;
  const exposed = Object.keys(session.shellEnv).filter(
    (key) => !(key in server.shellEnv) && env[key] !== undefined && session.shellEnv[key] === env[key],
  );
  if (exposed.length > 0)
    return `commands may not be given the server's ${exposed.sort().join(', ')} ${bound}`;
  return undefined;
}
