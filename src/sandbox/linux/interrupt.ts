/**
 * Ctrl-C for a command inside bubblewrap. bwrap does not pass signals on, and the command runs in
 * its own session (`--new-session`), so signalling the launcher's process group would only kill
 * the sandbox. The command is found instead: launcher (bwrap) → its child, the sandbox's pid 1 →
 * its child, the command, which leads its own process group; SIGINT goes to that group.
 */
import { readFileSync } from 'node:fs';
import { expectErrno, expectSystemError, GONE } from '../../protocol/errors.js';

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch (err) {
    expectSystemError(err);
    return [];
  }
}

/** Sends SIGINT to the sandboxed command's process group; false when it could not be found. */
export function interruptSandboxedCommand(launcherPid: number): boolean {
  const init = children(launcherPid)[0];
  const command = init === undefined ? undefined : children(init)[0];
  if (command === undefined) return false;
  try {
    process.kill(-command, 'SIGINT');
    return true;
  } catch (err) {
    // Not a group leader (yet), or gone: the process itself, if it is still there.
    expectErrno(err, GONE);
  }
  try {
    process.kill(command, 'SIGINT');
    return true;
  } catch (err) {
    expectErrno(err, GONE);
    return false;
  }
}
