/**
 * Keys of "approve for this session" in `ToolContext.sessionApprovals`. A command's key is the
 * whole request as it was shown and will run: the exact command vector, the working directory,
 * inside or outside the sandbox, and the environment — never a prefix, never the display string,
 * never argv alone (the same words in another directory, or with escalation, are another request).
 * A patch's key is the exact physical path it writes. Pure.
 */
import { createHash } from 'node:crypto';

/** `run`: approved to run in the sandbox; `unsandboxed`: approved to run outside it. */
type CommandApprovalScope = 'run' | 'unsandboxed';

export interface CommandApprovalRequest {
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function requestDigest(request: CommandApprovalRequest): string {
  const env = Object.entries(request.env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return digest({ argv: request.argv, cwd: request.cwd, env });
}

export function commandSessionKey(request: CommandApprovalRequest, scope: CommandApprovalScope): string {
  return `command:${scope}:${requestDigest(request)}`;
}

/** Input written to a running command session, approved like a command of its own. */
export function stdinSessionKey(sessionKey: string, chars: string): string {
  return `stdin:${digest({ session: sessionKey, chars })}`;
}

export function patchSessionKey(realPath: string): string {
  return `patch:${realPath}`;
}
