/**
 * One frame of the live region, from the app's state: the transcript's running entries, the
 * activity line, queued prompts, then the approval modal, a picker, or the composer (with its
 * popup), a hint, and the status line at the bottom.
 */
import { paint } from '../terminal/ansi.js';
import type { Frame } from '../terminal/renderer.js';
import { truncateLine } from '../terminal/width.js';
import { type ApprovalContext, approvalLines, type PendingApproval } from '../view/approval.js';
import type { Composer } from '../view/composer.js';
import type { FuzzyMatch } from '../view/mentions.js';
import type { Picker } from '../view/picker.js';
import type { SkillChoice } from '../view/skill-mentions.js';
import { type StatusInfo, statusLine } from '../view/status-line.js';
import type { SlashCommand } from './commands.js';

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const PLACEHOLDER = 'Ask Spool to do anything · @ mentions a file · / lists commands';

/** The list under the composer: files for an `@` mention, or commands for a `/`. */
export type Popup =
  | { kind: 'mention'; matches: FuzzyMatch[]; selected: number; start: number; end: number }
  | { kind: 'command'; matches: SlashCommand[]; selected: number }
  | { kind: 'skill'; matches: SkillChoice[]; selected: number; start: number; end: number };

interface FrameState {
  width: number;
  rows: number;
  now: number;
  /** The transcript's running entries. */
  live: readonly string[];
  /** A turn is running (seconds so far; whether it waits on an approval). */
  activity: { seconds: number; waiting: boolean } | undefined;
  queued: readonly string[];
  approval: { pending: PendingApproval; context: ApprovalContext } | undefined;
  picker: Picker<unknown> | undefined;
  composer: Composer;
  popup: Popup | undefined;
  hint: string | undefined;
  status: StatusInfo;
}

function popupLines(popup: Popup | undefined, width: number): string[] {
  if (!popup) return [];
  if (popup.matches.length === 0)
    return [
      paint(`  no ${{ mention: 'file', command: 'command', skill: 'skill' }[popup.kind]} matches`, {
        dim: true,
      }),
    ];
  return popup.matches.map((match, i) => {
    const chosen = i === popup.selected;
    const text =
      popup.kind === 'mention'
        ? (match as FuzzyMatch).path
        : popup.kind === 'skill'
          ? `$${(match as SkillChoice).name}  ${paint((match as SkillChoice).description, { dim: true })}`
          : `/${(match as SlashCommand).name}  ${paint((match as SlashCommand).description, { dim: true })}`;
    return truncateLine(
      `${chosen ? paint('› ', { fg: 'cyan' }) : '  '}${chosen ? paint(text, { fg: 'cyan' }) : text}`,
      width,
      true,
    );
  });
}

export function composeFrame(state: FrameState): Frame {
  const { width, rows } = state;
  const lines = [...state.live];
  if (state.activity) {
    const spin = SPINNER[Math.floor(state.now / 80) % SPINNER.length]!;
    const what = state.activity.waiting ? 'Waiting for your approval' : 'Working';
    lines.push(
      '',
      `${paint(spin, { fg: 'cyan' })} ${paint(what, { bold: true })} ${paint(`(${state.activity.seconds}s · esc to interrupt)`, { dim: true })}`,
    );
  }
  for (const text of state.queued)
    lines.push(truncateLine(paint(`↳ queued: ${text.split('\n')[0]}`, { dim: true }), width, true));
  lines.push('');
  let cursor: Frame['cursor'];
  if (state.approval) {
    lines.push(
      ...approvalLines(state.approval.pending, state.approval.context, width, Math.max(8, rows - 4)),
    );
  } else if (state.picker) {
    lines.push(...state.picker.render(width));
  } else {
    lines.push(paint('─'.repeat(Math.max(1, width)), { dim: true }));
    const view = state.composer.render(width, PLACEHOLDER);
    cursor = { row: lines.length + view.cursor.row, col: view.cursor.col };
    lines.push(...view.lines, ...popupLines(state.popup, width));
  }
  if (state.hint) lines.push(paint(state.hint, { fg: 'yellow' }));
  lines.push(statusLine(state.status, width));
  return cursor ? { lines, cursor } : { lines };
}
