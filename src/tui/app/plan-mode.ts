/**
 * Plan mode in the terminal UI (docs/plan-mode.md): `/plan` switches the next turns between plan
 * and default mode (Codex's `collaborationMode` on `turn/start`), and after a turn in plan mode
 * that proposed a plan, "Implement this plan?" — yes switches to default mode and asks the model
 * to carry the plan out (the plan stays in the conversation; the switch is appended, the cache kept).
 */
import { Picker } from '../view/picker.js';
import type { Transcript } from '../view/transcript.js';

export type CollaborationModeKind = 'plan' | 'default';

/** What `turn/start` carries (Codex's shape: the mode, and the model to use in it). */
export interface CollaborationModeSetting {
  mode: CollaborationModeKind;
  settings: { model: string };
}

/** The part of the app plan mode uses (commands.ts's CommandHost has it all). */
export interface ModeHost {
  nextTurn: { model?: string; collaborationMode?: CollaborationModeSetting };
  readonly session: { readonly opened?: { model: string } | undefined };
  readonly transcript: Transcript;
  openPicker<T>(picker: Picker<T>): void;
  invalidate(): void;
}

const IMPLEMENT_PROMPT = 'Implement the plan.';

export function currentMode(host: Pick<ModeHost, 'nextTurn'>): CollaborationModeKind {
  return host.nextTurn.collaborationMode?.mode ?? 'default';
}

/** Sets the mode the next `turn/start` carries (Codex's shape: the mode and the model to use). */
export function setMode(host: ModeHost, mode: CollaborationModeKind): void {
  const model = host.nextTurn.model ?? host.session.opened?.model ?? '';
  host.nextTurn.collaborationMode = { mode, settings: { model } };
}

export function togglePlanMode(host: ModeHost): void {
  const next = currentMode(host) === 'plan' ? 'default' : 'plan';
  setMode(host, next);
  host.transcript.system(
    'info',
    next === 'plan'
      ? 'Plan mode from the next turn: the agent explores and proposes a plan; nothing can be changed.'
      : 'Default mode from the next turn: the agent may make changes again.',
  );
  host.invalidate();
}

/** Asks whether to implement the plan just proposed; `start` sends a prompt as a new turn. */
export function offerImplementation(host: ModeHost, start: (prompt: string) => void): void {
  host.openPicker(
    new Picker<'yes' | 'no'>(
      'Implement this plan?',
      [
        { label: 'Yes, implement this plan', detail: 'switch to Default mode and start', value: 'yes' },
        { label: 'No, stay in Plan mode', detail: 'keep refining the plan', value: 'no' },
      ],
      (choice) => {
        if (choice !== 'yes') return;
        setMode(host, 'default');
        host.transcript.system('info', 'Default mode: implementing the plan.');
        start(IMPLEMENT_PROMPT);
      },
    ),
  );
}
