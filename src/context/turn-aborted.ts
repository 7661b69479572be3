/**
 * What the model is told after the user interrupts a turn (Codex's `<turn_aborted>` user message).
 * Calls that were cut short already answer "aborted"; this message says the stop was the user's
 * choice, so the next turn does not blindly redo — or undo — work that may have partly run.
 */
import type { MessageItem } from '../protocol/items.js';

export const TURN_ABORTED_OPEN = '<turn_aborted>';

const TURN_ABORTED_TEXT = `${TURN_ABORTED_OPEN}
The user stopped the previous turn before it finished, on purpose. A command or edit that was cut short may have partly run: look at the current state before doing any of that work again, and follow the user's next message.
</turn_aborted>`;

export function turnAbortedMessage(): MessageItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text: TURN_ABORTED_TEXT }] };
}
