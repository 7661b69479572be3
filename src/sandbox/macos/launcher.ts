/**
 * The macOS launch: sandbox-exec with the profile from `buildSeatbeltProfile`, and the in-sandbox
 * check (program lookup, status on descriptor 3) before the command. No pids bound and no pid
 * namespace: background processes that keep the output open are ended with the process group by
 * the process runner; others can outlive the call (see docs/security.md).
 */

import { sandboxCheckScript } from '../check-script.js';
import { isExecutable, type PrepareResult, type SandboxLaunchRequest } from '../launch-request.js';
import { readSandboxLayout } from '../layout.js';
import { buildWritePolicy } from '../write-policy.js';
import { buildSeatbeltProfile, SANDBOX_EXEC, seatbeltArgv } from './seatbelt.js';

const STATUS_FD = 3;

export async function prepareMacosLaunch(request: SandboxLaunchRequest): Promise<PrepareResult> {
  if (!(await isExecutable(SANDBOX_EXEC)))
    return { ok: false, unavailable: { reason: 'sandbox-exec-missing' } };
  const policy = await buildWritePolicy(request.sandbox, {
    cwd: request.sessionCwd,
    spoolHome: request.spoolHome,
    env: request.env,
  });
  const layout = await readSandboxLayout(policy);
  const profile = buildSeatbeltProfile({
    writableRoots: layout.excludedByRoot,
    unreadable: layout.maskedPaths,
    networkAccess: request.sandbox.mode === 'workspace-write' && request.sandbox.networkAccess,
  });
  const check = sandboxCheckScript({ statusFd: STATUS_FD, verifyLinux: false });
  return {
    ok: true,
    launch: {
      argv: seatbeltArgv(profile, ['/bin/sh', '-c', check, 'spool-sandbox', ...request.command]),
      env: request.env,
      extraFds: [{ kind: 'status' }],
      cleanup: async () => {},
      maxProcesses: undefined,
    },
  };
}
