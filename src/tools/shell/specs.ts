/**
 * Names, parameters and descriptions of the shell tools, as Codex declares them (codex-rs/tools
 * `local_tool.rs`), so models trained on Codex call them unchanged. Properties are declared in
 * alphabetical order, the order Codex's BTreeMap serialises them in.
 *
 * Not declared: `tty` (Spool has no PTY; sessions use plain pipes) and `additional_permissions`
 * (Codex sends it only with its permission-approval feature).
 */
import { z } from 'zod';

const SANDBOX_PERMISSIONS_DESCRIPTION =
  'Sandbox permissions for the command. Set to "require_escalated" to request running without sandbox restrictions; defaults to "use_default".';

// Verbatim from Codex, whose raw string keeps the backslashes and the source indentation.
const JUSTIFICATION_DESCRIPTION = `Only set if sandbox_permissions is \\"require_escalated\\".
                    Request approval from the user to run this command outside the sandbox.
                    Phrased as a simple question that summarizes the purpose of the
                    command as it relates to the task at hand - e.g. 'Do you want to
                    fetch and pull the latest version of this git branch?'`;

const PREFIX_RULE_DESCRIPTION = `Only specify when sandbox_permissions is \`require_escalated\`.
                        Suggest a prefix command pattern that will allow you to fulfill similar requests from the user in the future.
                        Should be a short but reasonable prefix, e.g. [\\"git\\", \\"pull\\"] or [\\"uv\\", \\"run\\"] or [\\"pytest\\"].`;

/** Accepted so Codex-trained calls validate; Spool has no approvals yet, so they change nothing. */
const approvalFields = {
  justification: z.string().optional().describe(JUSTIFICATION_DESCRIPTION),
  prefix_rule: z.array(z.string()).optional().describe(PREFIX_RULE_DESCRIPTION),
  sandbox_permissions: z.string().optional().describe(SANDBOX_PERMISSIONS_DESCRIPTION),
};

const timeoutMs = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('The timeout for the command in milliseconds');
const workdir = z.string().optional().describe('The working directory to execute the command in');
const yieldTimeMs = z
  .number()
  .int()
  .nonnegative()
  .optional()
  .describe('How long to wait (in milliseconds) for output before yielding.');
const maxOutputTokens = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('Maximum number of tokens to return. Excess output will be truncated.');

export const SHELL_DESCRIPTION = `Runs a shell command and returns its output.
- The arguments to \`shell\` will be passed to execvp(). Most terminal commands should be prefixed with ["bash", "-lc"].
- Always set the \`workdir\` param when using the shell function. Do not use \`cd\` unless absolutely necessary.`;

export const ShellArgs = z.strictObject({
  command: z
    .array(z.string())
    .min(1, 'must name a program: an empty command cannot run')
    .describe('The command to execute'),
  justification: approvalFields.justification,
  prefix_rule: approvalFields.prefix_rule,
  sandbox_permissions: approvalFields.sandbox_permissions,
  timeout_ms: timeoutMs,
  workdir,
});
export type ShellArgs = z.output<typeof ShellArgs>;

export const SHELL_COMMAND_DESCRIPTION = `Runs a shell command and returns its output.
- Always set the \`workdir\` param when using the shell_command function. Do not use \`cd\` unless absolutely necessary.`;

export const ShellCommandArgs = z.strictObject({
  command: z.string().describe("The shell script to execute in the user's default shell"),
  justification: approvalFields.justification,
  login: z
    .boolean()
    .optional()
    .describe('Whether to run the shell with login shell semantics. Defaults to true.'),
  prefix_rule: approvalFields.prefix_rule,
  sandbox_permissions: approvalFields.sandbox_permissions,
  timeout_ms: timeoutMs,
  workdir,
});
export type ShellCommandArgs = z.output<typeof ShellCommandArgs>;

export const EXEC_COMMAND_DESCRIPTION =
  'Runs a command in a PTY, returning output or a session ID for ongoing interaction.';

export const ExecCommandArgs = z.strictObject({
  cmd: z.string().describe('Shell command to execute.'),
  justification: approvalFields.justification,
  login: z.boolean().optional().describe('Whether to run the shell with -l/-i semantics. Defaults to true.'),
  max_output_tokens: maxOutputTokens,
  prefix_rule: approvalFields.prefix_rule,
  sandbox_permissions: approvalFields.sandbox_permissions,
  shell: z.string().optional().describe("Shell binary to launch. Defaults to the user's default shell."),
  workdir: z
    .string()
    .optional()
    .describe('Optional working directory to run the command in; defaults to the turn cwd.'),
  yield_time_ms: yieldTimeMs,
});
export type ExecCommandArgs = z.output<typeof ExecCommandArgs>;

export const WRITE_STDIN_DESCRIPTION =
  'Writes characters to an existing unified exec session and returns recent output.';

export const WriteStdinArgs = z.strictObject({
  chars: z.string().optional().describe('Bytes to write to stdin (may be empty to poll).'),
  max_output_tokens: maxOutputTokens,
  session_id: z.number().int().describe('Identifier of the running unified exec session.'),
  yield_time_ms: yieldTimeMs,
});
export type WriteStdinArgs = z.output<typeof WriteStdinArgs>;
