/**
 * What a request the emulator recorded sent (Responses wire): its input items, the text of its
 * messages by role, and the output it carried for a tool call.
 */
import type { Emulator } from '../emulator/index.js';

export type InputItem = {
  type: string;
  role?: string;
  call_id?: string;
  output?: string;
  content?: Array<{ text?: string }>;
};

/** The `input` of the emulator's request `index`. */
export function requestInput(emulator: Emulator | undefined, index: number): InputItem[] {
  return emulator?.requests[index]?.body?.input as InputItem[];
}

/** The text parts of the messages of `role` among `items`, in order. */
export function messageTexts(items: InputItem[], role: string): string[] {
  return items
    .filter((item) => item.type === 'message' && item.role === role)
    .flatMap((item) => (item.content ?? []).map((part) => part.text ?? ''));
}

/** The output request `index` carried for the call `callId`. */
export function callOutput(
  emulator: Emulator | undefined,
  index: number,
  callId: string,
): string | undefined {
  return requestInput(emulator, index).find(
    (item) => item.type === 'function_call_output' && item.call_id === callId,
  )?.output;
}
