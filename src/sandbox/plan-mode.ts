/**
 * Plan mode, enforced: the model may look but not touch. Pure policy decisions, used wherever a
 * sandbox or a tool decision is made:
 *
 * - commands run in a read-only sandbox without network, whatever the session's sandbox was
 *   (`--dangerously-bypass-approvals-and-sandbox` included); if no sandbox can be had, they do not
 *   run at all;
 * - no command may run outside the sandbox: escalation requests are refused, a standing approval to
 *   run outside it is not used, and a failure in the sandbox is reported, never retried outside;
 * - apply_patch, and every other tool that would write, is refused before it starts.
 *
 * Asking the model nicely (the plan-mode prompt) comes on top of this, not instead of it.
 */
import type { SandboxPolicy } from '../protocol/policy.js';
import type { CollaborationMode } from '../protocol/settings.js';
import type { CommandAssessment } from './approval/assess.js';

export interface Permissions {
  sandbox: SandboxPolicy;
  bypassSandbox: boolean;
}

/** What commands really run under in `mode`. */
export function effectivePermissions(
  mode: CollaborationMode | undefined,
  permissions: Permissions,
): Permissions {
  if (mode !== 'plan') return permissions;
  return {
    sandbox: {
      mode: 'read-only',
      writableRoots: [],
      networkAccess: false,
      excludeTmpdirEnvVar: permissions.sandbox.excludeTmpdirEnvVar,
      excludeSlashTmp: permissions.sandbox.excludeSlashTmp,
    },
    bypassSandbox: false,
  };
}

export const PLAN_MODE_REFUSAL =
  'Plan mode is read-only: nothing may be changed until the user leaves it. Keep exploring with read-only commands and finish with your <proposed_plan>.';

/** Why a write tool is refused in plan mode (the model sees this as the call's output). */
export function planModeWriteRefusal(what: string): string {
  return `${what} refused: ${PLAN_MODE_REFUSAL}`;
}

/**
 * A command's assessment, tightened for plan mode: it may only ever run in the sandbox, and a
 * sandbox denial is reported rather than offered for a run outside it.
 */
export function planModeAssessment(
  assessment: CommandAssessment,
  escalationRequested: boolean,
): CommandAssessment {
  if (escalationRequested)
    return {
      action: 'refuse',
      reason: `commands cannot run outside the sandbox in plan mode (sandbox_permissions "require_escalated" is refused). ${PLAN_MODE_REFUSAL}`,
    };
  if (assessment.action === 'refuse') return assessment;
  return { ...assessment, sandbox: true, onSandboxDenial: 'report' };
}
