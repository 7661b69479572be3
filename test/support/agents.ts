/**
 * Helpers for sub-agent tests: which agent of a tree sent a request (each agent's first developer
 * message states its path; the root's states none), and what a request carries.
 */
import type { RecordedRequest } from '../emulator/index.js';

type InputItem = {
  type: string;
  role?: string;
  content?: Array<{ text?: string }>;
  output?: unknown;
  call_id?: string;
};

export function inputOf(request: RecordedRequest): InputItem[] {
  return ((request.body as { input?: InputItem[] } | undefined)?.input ?? []) as InputItem[];
}

function textOf(item: InputItem | undefined): string {
  return (item?.content ?? []).map((part) => part.text ?? '').join('\n');
}

/** The agent path a request's conversation belongs to (`/root` when it names none). */
export function agentPathOf(request: RecordedRequest): string {
  const match = /Your agent path is (\/root[a-z0-9_/]*);/.exec(textOf(inputOf(request)[0]));
  return match?.[1] ?? '/root';
}

/** A route matcher for the conversation of the agent at `path`. */
export function isAgent(path: string): (request: RecordedRequest) => boolean {
  return (request) => agentPathOf(request) === path;
}

/** The outputs of the request's tool calls, as text. */
export function toolOutputs(request: RecordedRequest | undefined): string[] {
  if (!request) return [];
  return inputOf(request)
    .filter((item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
    .map((item) => (typeof item.output === 'string' ? item.output : JSON.stringify(item.output)));
}

/** The `<agent_message>` blocks the request carries (messages from other agents). */
export function agentMessages(request: RecordedRequest): string[] {
  return inputOf(request)
    .filter((item) => item.type === 'message' && item.role === 'user')
    .map(textOf)
    .filter((text) => text.startsWith('<agent_message>'));
}

/** The senders of the FINAL_ANSWER messages a request carries. */
export function finalAnswerSenders(request: RecordedRequest): string[] {
  return agentMessages(request)
    .filter((text) => text.includes('Message Type: FINAL_ANSWER'))
    .map((text) => /Sender: (\S+)/.exec(text)?.[1] ?? '');
}

/** Whether every request is a byte-exact extension of the one before (instructions, tools, input prefix). */
export function extendsEachOther(requests: RecordedRequest[]): boolean {
  for (let i = 1; i < requests.length; i++) {
    const before = requests[i - 1]?.body as Record<string, unknown>;
    const after = requests[i]?.body as Record<string, unknown>;
    if (JSON.stringify(before.instructions) !== JSON.stringify(after.instructions)) return false;
    if (JSON.stringify(before.tools) !== JSON.stringify(after.tools)) return false;
    if (before.prompt_cache_key !== after.prompt_cache_key) return false;
    const a = before.input as unknown[];
    const b = after.input as unknown[];
    if (b.length < a.length) return false;
    for (let j = 0; j < a.length; j++) if (JSON.stringify(a[j]) !== JSON.stringify(b[j])) return false;
  }
  return true;
}
