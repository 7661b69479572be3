/**
 * The Linux launch: bubblewrap with the argument list from `buildBwrapArgs`, the seccomp program
 * on descriptor 3, the in-sandbox check reporting on descriptor 4, and, where a pids cgroup can be
 * made, a one-line sh that moves itself into it and execs bwrap (so every process of the command
 * is born inside the cgroup).
 */
import {
  DEFAULT_MAX_PROCESSES,
  findExecutable,
  isExecutable,
  type PrepareResult,
  type SandboxLaunchRequest,
} from '../launch.js';
import { readSandboxLayout } from '../layout.js';
import { buildWritePolicy } from '../write-policy.js';
import { buildBwrapArgs } from './bwrap-args.js';
import { createPidsCgroup } from './cgroup.js';
import { interruptSandboxedCommand } from './interrupt.js';
import { leaseMountPoints, mountPointRegistry } from './mount-points.js';
import { buildSeccompProgram, seccompArchFor } from './seccomp.js';

const SECCOMP_FD = 3;
const STATUS_FD = 4;

/** Joins the cgroup named by $1, then execs the rest (bwrap …). */
const JOIN_CGROUP = 'echo $$ > "$1" || exit 125; shift; exec "$@"';

export async function prepareLinuxLaunch(request: SandboxLaunchRequest): Promise<PrepareResult> {
  const arch = seccompArchFor(request.options?.arch ?? process.arch);
  if (!arch) {
    return {
      ok: false,
      unavailable: { reason: 'unsupported-arch', detail: request.options?.arch ?? process.arch },
    };
  }
  const configured = request.options?.bwrapPath;
  const bwrap =
    configured === undefined
      ? await findExecutable('bwrap', request.env.PATH ?? process.env.PATH, [
          '/usr/bin/bwrap',
          '/usr/local/bin/bwrap',
        ])
      : (await isExecutable(configured))
        ? configured
        : undefined;
  if (!bwrap) {
    const detail = configured === undefined ? {} : { detail: `${configured} is not an executable file` };
    return { ok: false, unavailable: { reason: 'bwrap-missing', ...detail } };
  }

  const policy = await buildWritePolicy(request.sandbox, {
    cwd: request.sessionCwd,
    spoolHome: request.spoolHome,
    env: request.env,
  });
  const registry = await mountPointRegistry(policy.spoolHome);
  const layout = await readSandboxLayout(policy, [registry]);
  const networkAccess = request.sandbox.mode === 'workspace-write' && request.sandbox.networkAccess;
  const args = buildBwrapArgs({
    mounts: layout,
    networkAccess,
    cwd: request.cwd,
    seccompFd: SECCOMP_FD,
    statusFd: STATUS_FD,
    command: request.command,
  });

  const lease = await leaseMountPoints(registry, layout.blockedPaths);
  const maxProcesses = request.options?.maxProcesses ?? DEFAULT_MAX_PROCESSES;
  const cgroup = maxProcesses > 0 ? await createPidsCgroup(maxProcesses) : undefined;
  const argv = cgroup
    ? ['/bin/sh', '-c', JOIN_CGROUP, 'spool-cgroup', cgroup.procsFile, bwrap, ...args]
    : [bwrap, ...args];
  return {
    ok: true,
    launch: {
      argv,
      env: request.env,
      extraFds: [{ kind: 'input', data: buildSeccompProgram({ arch, networkAccess }) }, { kind: 'status' }],
      cleanup: async () => {
        await cgroup?.destroy();
        await lease.release();
      },
      maxProcesses: cgroup ? maxProcesses : undefined,
      interrupt: interruptSandboxedCommand,
    },
  };
}
