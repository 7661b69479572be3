/**
 * Sandbox and approval policy values, as configured for a session.
 *
 * Writable roots always come from the session's configuration, never from a path the model names.
 */
import { z } from 'zod';

export const SandboxMode = z.enum(['read-only', 'workspace-write', 'danger-full-access']);
export type SandboxMode = z.infer<typeof SandboxMode>;

export const ApprovalPolicy = z.enum(['untrusted', 'on-failure', 'on-request', 'never']);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

export interface SandboxPolicy {
  mode: SandboxMode;
  /** Extra writable roots from configuration (absolute), in addition to the cwd in workspace-write. */
  writableRoots: string[];
  networkAccess: boolean;
  excludeTmpdirEnvVar: boolean;
  excludeSlashTmp: boolean;
}

export function defaultSandboxPolicy(mode: SandboxMode = 'read-only'): SandboxPolicy {
  return {
    mode,
    writableRoots: [],
    networkAccess: false,
    excludeTmpdirEnvVar: false,
    excludeSlashTmp: false,
  };
}
