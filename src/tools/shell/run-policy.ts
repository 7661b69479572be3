/**
 * Whether a command may run, until Spool has a sandbox.
 *
 * This is the one decision the sandbox work replaces: today a command runs only when the user has
 * opted out of sandboxing; later every other mode runs it under the platform sandbox instead.
 */
import type { ToolContext } from '../types.js';

export function canRunUnsandboxed(ctx: Pick<ToolContext, 'sandbox' | 'bypassSandbox'>): boolean {
  return ctx.bypassSandbox || ctx.sandbox.mode === 'danger-full-access';
}

/** What the model is told when a command is refused (nothing was run). */
export function refusalMessage(ctx: Pick<ToolContext, 'sandbox'>, command: string): string {
  return (
    `Command not run: ${command}\n` +
    `The sandbox mode is "${ctx.sandbox.mode}", and Spool cannot yet run commands inside a sandbox, so it ` +
    `runs none in this mode. The user can allow commands by restarting with \`--sandbox danger-full-access\` ` +
    `(or \`--dangerously-bypass-approvals-and-sandbox\`). Do not retry this command; continue without ` +
    `running commands or ask the user to enable them.`
  );
}
