/**
 * Keys of "approve for this session" in `ToolContext.sessionApprovals`: the exact command vector
 * (never a prefix of it, never the display string), or the exact physical path a patch writes.
 * Pure.
 */

/** `run`: approved to run in the sandbox; `unsandboxed`: approved to run outside it. */
export type CommandApprovalScope = 'run' | 'unsandboxed';

export function commandSessionKey(argv: readonly string[], scope: CommandApprovalScope): string {
  return `command:${scope}:${JSON.stringify(argv)}`;
}

export function patchSessionKey(realPath: string): string {
  return `patch:${realPath}`;
}

export function sessionApprovalOf(
  approvals: ReadonlySet<string>,
  argv: readonly string[],
): { run: boolean; unsandboxed: boolean } {
  const unsandboxed = approvals.has(commandSessionKey(argv, 'unsandboxed'));
  return { run: unsandboxed || approvals.has(commandSessionKey(argv, 'run')), unsandboxed };
}
