/**
 * The permissions text: the sandbox and approval rules the model works under. A developer message —
 * platform rules outrank project files and the user's prompt.
 */
import type { ApprovalPolicy, SandboxPolicy } from '../protocol/policy.js';

interface PermissionsInput {
  sandbox: SandboxPolicy;
  approvalPolicy: ApprovalPolicy;
  bypassSandbox: boolean;
  /** Writable roots in effect (absolute), already including the cwd for workspace-write. */
  writableRoots: string[];
}

function sandboxText(input: PermissionsInput): string {
  if (input.bypassSandbox) {
    return "Sandbox: none. Commands run with the user's full permissions, without approval. Be careful: every change is real.";
  }
  const network = input.sandbox.networkAccess ? 'enabled' : 'disabled (commands cannot reach the network)';
  switch (input.sandbox.mode) {
    case 'read-only':
      return `Sandbox: read-only. Commands may read any file but cannot write anywhere. Network access is ${network}.`;
    case 'workspace-write': {
      const roots = input.writableRoots.map((root) => `  - ${root}`).join('\n');
      return [
        'Sandbox: workspace-write. Commands may read any file and write only inside these writable roots:',
        roots,
        'Inside them, `.git`, `.spool` and `.agents` stay read-only.',
        `Network access is ${network}.`,
      ].join('\n');
    }
    case 'danger-full-access':
      return "Sandbox: danger-full-access. Commands run without a sandbox, with the user's full permissions, and network access.";
  }
}

function approvalText(policy: ApprovalPolicy, bypass: boolean): string {
  if (bypass) return 'Approvals: never requested.';
  switch (policy) {
    case 'untrusted':
      return 'Approvals: untrusted. Only known-safe read-only commands run without asking; the user is asked to approve anything else before it runs.';
    case 'on-failure':
      return 'Approvals: on-failure. Commands run in the sandbox; if one fails because of the sandbox, the user is asked whether to run it again without it.';
    case 'on-request':
      return 'Approvals: on-request. Commands run in the sandbox. When a command genuinely needs more (writing outside the writable roots, network access), call the shell tool with `sandbox_permissions: "require_escalated"` and a one-sentence `justification`; the user decides.';
    case 'never':
      return 'Approvals: never. The user will not be asked. Work within the sandbox; if something is refused, find another way or explain the limitation in your final message.';
  }
}

export function renderPermissions(input: PermissionsInput): string {
  return [
    '<permissions>',
    sandboxText(input),
    approvalText(input.approvalPolicy, input.bypassSandbox),
    '</permissions>',
  ].join('\n');
}
