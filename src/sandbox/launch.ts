/**
 * Running a command inside the platform sandbox: `prepareSandboxedLaunch` turns a command into
 * what to spawn (bubblewrap on Linux, Seatbelt on macOS) plus the descriptors and teardown that go
 * with it; `interpretSandboxExit` reads, after the process ended, whether the sandbox was really
 * set up. Either can say the sandbox is unavailable, and then nothing has run.
 */
import { CHECK_FAILED_EXIT, STATUS } from './check-script.js';
import type { PrepareResult, SandboxLaunchRequest } from './launch-request.js';
import { prepareLinuxLaunch } from './linux/launcher.js';
import { prepareMacosLaunch } from './macos/launcher.js';
import { classifyBwrapFailure, type SandboxUnavailable } from './unavailable.js';

export async function prepareSandboxedLaunch(request: SandboxLaunchRequest): Promise<PrepareResult> {
  if (request.sandbox.mode === 'danger-full-access') throw new Error('danger-full-access runs no sandbox');
  const platform = request.options?.platform ?? process.platform;
  if (platform === 'linux') return prepareLinuxLaunch(request);
  if (platform === 'darwin') return prepareMacosLaunch(request);
  return { ok: false, unavailable: { reason: 'unsupported-platform', detail: platform } };
}

type SandboxExit =
  | { kind: 'ran' }
  | { kind: 'not-found'; program: string }
  | { kind: 'unavailable'; unavailable: SandboxUnavailable };

/**
 * What happened, from the status descriptor: `ready` means the command ran inside a verified
 * sandbox; a refusal of the in-sandbox check, or no word at all from a process that was not
 * stopped by us, means the sandbox never came up (the output is then the launcher's error).
 */
export function interpretSandboxExit(exit: {
  status: string;
  exitCode: number;
  outputText: string;
  endedByUs: boolean;
  command: readonly string[];
}): SandboxExit {
  const words = exit.status.split('\n').filter((line) => line !== '');
  if (words.includes(STATUS.ready)) return { kind: 'ran' };
  if (words.includes(STATUS.notFound)) return { kind: 'not-found', program: exit.command[0] ?? '' };
  const caps = words.find((w) => w.startsWith(`${STATUS.capabilities} `));
  if (caps) return { kind: 'unavailable', unavailable: { reason: 'capabilities', detail: caps } };
  const seccomp = words.find((w) => w.startsWith(`${STATUS.seccomp} `));
  if (seccomp) return { kind: 'unavailable', unavailable: { reason: 'seccomp', detail: seccomp } };
  if (exit.endedByUs) return { kind: 'ran' };
  const detail = exit.outputText.trim();
  if (exit.exitCode === CHECK_FAILED_EXIT && detail === '')
    return { kind: 'unavailable', unavailable: { reason: 'setup-failed' } };
  return { kind: 'unavailable', unavailable: classifyBwrapFailure(detail) };
}
