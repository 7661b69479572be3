/**
 * The approval modal: what the agent wants to do (the exact command, or the patch with its diff),
 * where, why, and under which policy; answered with one key.
 */

import { visibleText } from '../../text/terminal-safe.js';
import { renderDiff } from '../render/diff.js';
import { paint, type Style } from '../terminal/ansi.js';
import type { Key } from '../terminal/keys.js';
import { hardWrapSpans, wrapText } from '../terminal/width.js';
import { fileChangeSummary } from './cells.js';
import type { V2CommandApprovalParams, V2FileChangeApprovalParams, V2Item } from './v2.js';

/** Codex's v2 answers to an approval request. */
export type ApprovalAnswer =
  | 'accept'
  | 'acceptForSession'
  | 'acceptWithExecpolicyAmendment'
  | 'decline'
  | 'cancel';

/** An approval the server asks for: a command to run, or a patch to apply (v2's request params). */
export type PendingApproval = {
  /** The server's request id (matched against `serverRequest/resolved`). */
  requestId: string | number;
  /** The sub-agent asking (its path), when it is not this view's thread. */
  agent?: string;
  answer(answer: ApprovalAnswer): void;
} & (
  | { kind: 'command'; params: V2CommandApprovalParams }
  | { kind: 'patch'; params: V2FileChangeApprovalParams }
);

/** The rule a command approval proposes to save (`r`), if any. */
export function proposedRule(pending: PendingApproval): string[] | undefined {
  if (pending.kind !== 'command') return undefined;
  return pending.params.proposedExecpolicyAmendment ?? undefined;
}

export interface ApprovalContext {
  /** The item the request is about (a file change carries its diffs). */
  item: V2Item | undefined;
  policy: string;
  sandbox: string;
  cwd: string;
}

/** `withRule`: the request proposes a rule, so `r` (approve and save it) is a choice. */
export function answerForKey(key: Key, withRule = false): ApprovalAnswer | undefined {
  if (key.name === 'escape') return 'cancel';
  if (key.name !== 'text' || key.alt) return undefined;
  if (key.ctrl) return key.text === 'c' ? 'cancel' : undefined;
  switch (key.text?.toLowerCase()) {
    case 'y':
      return 'accept';
    case 'a':
      return 'acceptForSession';
    case 'r':
      return withRule ? 'acceptWithExecpolicyAmendment' : undefined;
    case 'n':
      return 'decline';
    case 'x':
      return 'cancel';
  }
  return undefined;
}

const BAR: Style = { fg: 'yellow' };

/** The modal's lines, at most `maxLines` (a long diff is cut). */
export function approvalLines(
  pending: PendingApproval,
  context: ApprovalContext,
  width: number,
  maxLines: number,
): string[] {
  const inner = Math.max(10, width - 2);
  const bar = (lines: string[]) => lines.map((line) => paint('│ ', BAR) + line);
  const head: string[] = [];
  const body: string[] = [];
  const tail: string[] = [];
  const { params } = pending;
  const command = pending.kind === 'command' ? pending.params : undefined;
  if (pending.agent) head.push(paint(`Agent ${visibleText(pending.agent)} asks:`, { bold: true }));
  if (pending.kind === 'command') {
    head.push(paint('Run this command?', { bold: true }));
    // Exactly what will run: every control, zero-width and bidi character shown as an escape.
    const shown = visibleText(pending.params.command ?? '', { keepNewlines: true });
    shown.split('\n').forEach((line, i) => {
      body.push(
        ...hardWrapSpans([{ text: line, style: { bold: true } }], inner, {
          first: [{ text: i === 0 ? '$ ' : '  ', style: { dim: true } }],
          rest: [{ text: '  ' }],
        }),
      );
    });
  } else {
    head.push(paint('Apply this patch?', { bold: true }));
    const item = context.item;
    if (item?.type === 'fileChange' && item.changes.length > 0) {
      for (const change of item.changes) {
        const { verb, name } = fileChangeSummary(change, context.cwd);
        body.push(`${paint(verb, { bold: true })} ${name}`);
        if (change.diff) body.push(...renderDiff(change.diff, inner, { indent: 0 }));
      }
    } else body.push(paint("(the patch's files are not known)", { dim: true }));
  }
  tail.push(paint(`in ${visibleText(command?.cwd ?? context.cwd)}`, { dim: true }));
  if (params.reason)
    tail.push(
      ...wrapText(
        visibleText(params.reason, { keepNewlines: true }),
        inner,
        { italic: true },
        { first: [{ text: 'why: ' }] },
      ),
    );
  tail.push(paint(`policy: ${context.policy} · sandbox: ${context.sandbox}`, { dim: true }));
  const rule = proposedRule(pending);
  tail.push('');
  tail.push(
    `${paint('y', { bold: true, fg: 'green' })} approve once  ${paint('a', { bold: true, fg: 'green' })} approve for this session  ${paint('n', { bold: true, fg: 'red' })} deny  ${paint('esc', { bold: true, fg: 'red' })} abort turn`,
  );
  // Saving a rule is its own choice, shown with the rule it saves.
  if (rule && rule.length > 0)
    tail.push(
      ...wrapText(
        `approve, and from now on allow commands starting with \`${rule.map((word) => visibleText(word)).join(' ')}\``,
        inner,
        {},
        {
          first: [{ text: 'r', style: { bold: true, fg: 'green' } }, { text: ' ' }],
        },
      ),
    );
  const room = Math.max(1, maxLines - head.length - tail.length - 2);
  const shownBody =
    body.length > room
      ? [
          ...body.slice(0, Math.max(0, room - 1)),
          paint(`… ${body.length - room + 1} more lines`, { dim: true }),
        ]
      : body;
  return [paint('╭─ Approval needed', BAR), ...bar([...head, ...shownBody, ...tail]), paint('╰─', BAR)];
}
