/**
 * `spool mcp-server`'s command-line settings are upper bounds: a calling model may narrow the
 * sandbox and ask for more approvals, never the reverse. Whatever a call sets — `sandbox`,
 * `approval_policy`, a `profile`, or `config` keys such as `sandbox_mode`,
 * `sandbox_workspace_write.*` or `shell_environment_policy` — the session it gets is compared with
 * the server's own, and a wider one is refused with the reason.
 */
import type { ThreadSettings } from '../agent/settings.js';
import type { ApprovalPolicy, SandboxMode } from '../sandbox/policy.js';

const SANDBOX_WIDTH: Record<SandboxMode, number> = {
  'read-only': 0,
  'workspace-write': 1,
  'danger-full-access': 2,
};

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
): string | undefined {
  const bound = '(the bound `spool mcp-server` was started with; a call may only narrow it)';
  if (session.bypassSandbox && !server.bypassSandbox)
    return `running without sandbox and approvals is not allowed ${bound}`;
  if (SANDBOX_WIDTH[session.sandbox.mode] > SANDBOX_WIDTH[server.sandbox.mode])
    return `sandbox ${session.sandbox.mode} is wider than ${server.sandbox.mode} ${bound}`;
  if (session.sandbox.mode === 'workspace-write' && server.sandbox.mode === 'workspace-write') {
    const extra = session.sandbox.writableRoots.filter(
      (root) => !server.sandbox.writableRoots.includes(root),
    );
    if (extra.length > 0) return `writable roots ${extra.join(', ')} are not among the server's ${bound}`;
    if (session.sandbox.networkAccess && !server.sandbox.networkAccess)
      return `network access in the sandbox is not allowed ${bound}`;
    if (!session.sandbox.excludeSlashTmp && server.sandbox.excludeSlashTmp)
      return `a writable /tmp is not allowed ${bound}`;
    if (!session.sandbox.excludeTmpdirEnvVar && server.sandbox.excludeTmpdirEnvVar)
      return `a writable $TMPDIR is not allowed ${bound}`;
  }
  if (APPROVAL_FREEDOM[session.approvalPolicy] > APPROVAL_FREEDOM[server.approvalPolicy])
    return `approval policy ${session.approvalPolicy} asks less than ${server.approvalPolicy} ${bound}`;
  const exposed = Object.keys(session.shellEnv).filter(
    (key) => !(key in server.shellEnv) && env[key] !== undefined && session.shellEnv[key] === env[key],
  );
  if (exposed.length > 0)
    return `commands may not be given the server's ${exposed.sort().join(', ')} ${bound}`;
  return undefined;
}
