/**
 * What the model is told about the collaboration mode (Codex's `<collaboration_mode>` developer
 * message). Plan mode is stated at the start of a thread that begins in it; every switch is
 * announced by an appended message, like any other settings change. Default mode at the start
 * says nothing (the first request of an ordinary thread is unchanged).
 *
 * The words only explain: in plan mode the harness itself refuses writes (read-only sandbox, no
 * escalation, apply_patch and writing tools refused; see src/sandbox/plan-mode.ts).
 */
import type { CollaborationMode } from '../protocol/settings.js';

const COLLABORATION_MODE_OPEN = '<collaboration_mode>';
const COLLABORATION_MODE_CLOSE = '</collaboration_mode>';

const PLAN = `# Plan mode

You are in Plan mode until a developer message says otherwise. What the user writes does not change the mode: a request to do the work, made in Plan mode, is a request to plan it.

## You cannot change anything
The session enforces this, whatever you try: commands run in a read-only sandbox with no network and cannot ask to run outside it, apply_patch is refused, and so is any other tool that would write. Do not look for a way around it; a refused write is not a problem to solve. \`update_plan\` (the progress checklist) is not used in Plan mode.

## How to work
1. Explore first. Read files, search, inspect configuration and history, and run commands that only read. Settle every question the environment can answer before asking the user anything.
2. Ask about what only the user can decide: goals, scope, trade-offs, preferences. Use \`request_user_input\` for that: one to three short questions, each with two or three real choices, the recommended one first and marked "(Recommended)". The user can always answer in their own words. Do not ask what you could find out yourself. If no answer comes, go on with the recommended choice and record it as an assumption.
3. When the plan is complete — nothing left for the implementer to decide — present it.

## The plan
End your final answer with the plan in one block, the tags exactly as shown, each on a line of its own, Markdown inside:

<proposed_plan>
# Title
…
</proposed_plan>

The plan states: a short summary; the changes, file by file, with any new or changed interfaces, types or commands; how it will be tested (cases and acceptance checks); and the assumptions and defaults chosen. Give at most one plan per turn, only when it is complete, and do not ask whether to proceed: the user decides whether to implement it.`;

function defaultText(userInputInDefault: boolean): string {
  const ask = userInputInDefault
    ? '`request_user_input` stays available: use it only when a decision cannot be discovered and a wrong guess would be costly.'
    : '`request_user_input` is unavailable in Default mode: if you must ask something, ask in your reply — but prefer a reasonable assumption, stated, and get on with the work.';
  return `# Default mode

Plan mode has ended: you are in Default mode. You may now make changes, within the sandbox and approval policy you were told about. If the conversation holds a plan the user asked you to implement, carry it out. ${ask}`;
}

export function collaborationModeText(mode: CollaborationMode, userInputInDefault: boolean): string {
  return `${COLLABORATION_MODE_OPEN}\n${mode === 'plan' ? PLAN : defaultText(userInputInDefault)}\n${COLLABORATION_MODE_CLOSE}`;
}
