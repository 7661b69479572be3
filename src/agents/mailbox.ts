/**
 * How a message from another agent reads in a thread's history: an `<agent_message>` block with
 * its type, sender path, status and payload (Codex's FINAL_ANSWER / Sender / Payload). Pure.
 */

export interface AgentMessage {
  /** FINAL_ANSWER: a sub-agent's turn ended; MESSAGE: send_message; TASK: followup_task. */
  type: 'FINAL_ANSWER' | 'MESSAGE' | 'TASK';
  sender: string;
  status?: string;
  payload: string;
}

export function formatAgentMessage(message: AgentMessage): string {
  return [
    '<agent_message>',
    `Message Type: ${message.type}`,
    `Sender: ${message.sender}`,
    ...(message.status ? [`Status: ${message.status}`] : []),
    'Payload:',
    message.payload,
    '</agent_message>',
  ].join('\n');
}
