/**
 * The Linux launch: bubblewrap with the argument list from `buildBwrapArgs`, the seccomp program
 * on descriptor 3, the in-sandbox check reporting on descriptor 4, and, where a pids cgroup can be
 * made, a one-line sh that moves itself into it and execs bwrap (so every process of the command
 * is born inside the cgroup).
 */
import { DEFAULT_MAX_PROCESSES, type PrepareResult, type SandboxLaunchRequest } from '../launch-request.js';
import { readSandboxLayout } from '../layout.js';
import { resolveTrustedBinary } from '../trusted-binaries.js';
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
  const policy = await buildWritePolicy(request.sandbox, {
    cwd: request.sessionCwd,
    spoolHome: request.spoolHome,
    env: request.env,
  });
  // Never through PATH: a writable directory on it could hold a fake bwrap (see trusted-binaries.ts).
  const configured = request.options?.bwrapPath;
  const trust = { untrustedRoots: policy.writableRoots };
  const bwrap = resolveTrustedBinary('bwrap', {
    ...trust,
    ...(configured === undefined ? {} : { configured }),
  });
  if (!bwrap.ok) {
    const reason = bwrap.missing ? 'bwrap-missing' : 'bwrap-untrusted';
    return { ok: false, unavailable: { reason, detail: bwrap.reason } };
  }
  const sh = resolveTrustedBinary('sh', trust);
  if (!sh.ok) return { ok: false, unavailable: { reason: 'setup-failed', detail: sh.reason } };

  const registry = await mountPointRegistry(policy.spoolHome, policy.writableRoots);
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
  const budget = request.options?.budget;
  const cgroup =
    maxProcesses <= 0
      ? undefined
      : budget
        ? await budget.commandCgroup(maxProcesses)
        : await createPidsCgroup(maxProcesses);
  const argv = cgroup
    ? [sh.path, '-c', JOIN_CGROUP, 'spool-cgroup', cgroup.procsFile, bwrap.path, ...args]
    : [bwrap.path, ...args];
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
