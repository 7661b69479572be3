/**
 * How each kind of transcript entry looks once it is finished (written to the scrollback), and
 * the live form of the ones still running. Pure functions of the item and the width.
 */
import path from 'node:path';
import { visibleText } from '../../text/terminal-safe.js';
import { outputPreview } from '../../tools/shell/format.js';
import { diffStats, renderDiff } from '../render/diff.js';
import { inlineSpans, renderMarkdown } from '../render/markdown.js';
import { paint, type Style } from '../terminal/ansi.js';
import { sanitize, truncateLine, wrapSpans, wrapText } from '../terminal/width.js';
import type { V2FileChange, V2Item } from './v2.js';

/** Output lines shown at each end of a long command output. */
const OUTPUT_HEAD = 5;
const OUTPUT_TAIL = 5;
/** Diff lines shown per file in the transcript. */
const DIFF_MAX_LINES = 200;

const DIM: Style = { dim: true };

function userMessageLines(text: string, width: number): string[] {
  const body = sanitize(text);
  return body.split('\n').flatMap((line, i) =>
    wrapSpans([{ text: line }], width, {
      first: [{ text: i === 0 ? '› ' : '  ', style: { bold: true, fg: 'cyan' } }],
      rest: [{ text: '  ' }],
    }),
  );
}

/** A reasoning summary: its Markdown emphasis kept, all of it dimmed and in italics. */
export function reasoningLines(text: string, width: number): string[] {
  const body = sanitize(text).trim();
  if (!body) return [];
  return body.split('\n').flatMap((line) => wrapSpans(inlineSpans(line, { dim: true, italic: true }), width));
}

/** `bash -lc 'cmd'` as `cmd`: the shell wrapper says nothing the reader needs. */
export function displayCommand(command: string): string {
  const match = /^(?:\/bin\/|\/usr\/bin\/)?(?:bash|sh|zsh) -l?c '((?:[^']|'\\'')*)'$/.exec(command);
  if (match) return match[1]!.replace(/'\\''/g, "'");
  const plain = /^(?:\/bin\/|\/usr\/bin\/)?(?:bash|sh|zsh) -l?c (\S+)$/.exec(command);
  return plain ? plain[1]! : command;
}

/** A marked, bold verb and the rest; the rest may span several lines (a script), each wrapped. */
function header(marker: string, markerStyle: Style, verb: string, rest: string, width: number): string[] {
  const [firstLine = '', ...more] = rest.split('\n');
  return [
    ...wrapSpans([{ text: verb, style: { bold: true } }, { text: ' ' }, { text: firstLine }], width, {
      first: [{ text: `${marker} `, style: markerStyle }],
      rest: [{ text: '  ' }],
    }),
    ...more.flatMap((line) => wrapSpans([{ text: line }], width, { first: [{ text: '  ' }] })),
  ];
}

/** A command as shown: without the shell wrapper, every hidden character made visible. */
function shownCommand(command: string): string {
  return visibleText(displayCommand(command), { keepNewlines: true });
}

function outputLines(output: string, width: number, head: number, tail: number): string[] {
  // Elided lines are counted from the whole output (a truncated one states its line total).
  const preview = outputPreview(sanitize(output).replace(/\n+$/, ''), head, tail);
  if (preview.length === 1 && preview[0] === '') return [];
  return preview.map((line, i) => {
    const gutter = i === 0 ? '  └ ' : '    ';
    if (typeof line !== 'string')
      return paint(`${gutter}…${line.more > 0 ? ` +${line.more} lines` : ''}`, DIM);
    return truncateLine(paint(`${gutter}${line}`, DIM), width, true);
  });
}

function seconds(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

type CommandItem = Extract<V2Item, { type: 'commandExecution' }>;

export function commandLines(item: CommandItem, width: number): string[] {
  const command = shownCommand(item.command);
  const output = item.aggregatedOutput ?? '';
  switch (item.status) {
    case 'declined':
      return header('✗', { fg: 'red' }, 'Declined', command, width);
    case 'inProgress':
      return [...header('•', { fg: 'cyan' }, 'Running', command, width), ...outputLines(output, width, 0, 3)];
  }
  const failed = item.status === 'failed' || (item.exitCode !== null && item.exitCode !== 0);
  const lines = [
    ...header(failed ? '✗' : '✓', { fg: failed ? 'red' : 'green' }, 'Ran', command, width),
    ...outputLines(output, width, OUTPUT_HEAD, OUTPUT_TAIL),
  ];
  const facts = [
    item.exitCode === null ? (failed ? 'stopped' : '') : item.exitCode !== 0 ? `exit ${item.exitCode}` : '',
    seconds(item.durationMs ?? null),
  ].filter(Boolean);
  if (facts.length > 0) lines.push(paint(`    ${facts.join(' · ')}`, failed ? { fg: 'red' } : DIM));
  return lines;
}

/** Live form of a running command: its header and the last lines of output so far. */
export function runningCommandLines(
  item: CommandItem,
  output: string,
  width: number,
  waiting: boolean,
): string[] {
  const command = shownCommand(item.command);
  if (waiting) return header('⏸', { fg: 'yellow' }, 'Waiting for approval:', command, width);
  return [...header('•', { fg: 'cyan' }, 'Running', command, width), ...outputLines(output, width, 0, 3)];
}

/** A path relative to `cwd` when it is below it, with every hidden character made visible. */
function relative(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return visibleText(rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file);
}

export function fileChangeSummary(change: V2FileChange, cwd: string): { verb: string; name: string } {
  const name = relative(change.path, cwd);
  switch (change.kind.type) {
    case 'add':
      return { verb: 'Added', name };
    case 'delete':
      return { verb: 'Deleted', name };
    default:
      return change.kind.move_path
        ? { verb: 'Moved', name: `${name} → ${relative(change.kind.move_path, cwd)}` }
        : { verb: 'Edited', name };
  }
}

type FileChangeItem = Extract<V2Item, { type: 'fileChange' }>;

export function fileChangeLines(
  item: FileChangeItem,
  cwd: string,
  width: number,
  maxDiffLines = DIFF_MAX_LINES,
): string[] {
  if (item.status === 'declined') {
    const names = item.changes.map((c) => relative(c.path, cwd)).join(', ');
    return header('✗', { fg: 'red' }, 'Declined patch', names || '(no files)', width);
  }
  const lines: string[] = [];
  const failed = item.status === 'failed';
  for (const change of item.changes) {
    const { verb, name } = fileChangeSummary(change, cwd);
    const stats = diffStats(change.diff);
    const counts = change.diff
      ? ` (${paint(`+${stats.added}`, { fg: 'green' })} ${paint(`-${stats.removed}`, { fg: 'red' })})`
      : '';
    const marker = failed ? '✗' : item.status === 'inProgress' ? '•' : '✓';
    const markerStyle: Style = { fg: failed ? 'red' : item.status === 'inProgress' ? 'cyan' : 'green' };
    lines.push(
      ...header(marker, markerStyle, failed ? `${verb} (failed)` : verb, name, width).map((l, i) =>
        i === 0 ? l + counts : l,
      ),
    );
    if (change.diff) lines.push(...renderDiff(change.diff, width, { indent: 2, maxLines: maxDiffLines }));
  }
  if (lines.length === 0)
    lines.push(
      ...header(
        failed ? '✗' : '•',
        { fg: failed ? 'red' : 'cyan' },
        'Patch',
        failed ? 'failed' : '(no changes)',
        width,
      ),
    );
  return lines;
}

/** Live form of a patch waiting for the user's approval. */
export function waitingPatchLines(item: FileChangeItem, cwd: string, width: number): string[] {
  const names = item.changes.map((c) => relative(c.path, cwd)).join(', ');
  return header(
    '⏸',
    { fg: 'yellow' },
    'Waiting for approval:',
    `patch ${names || '(files not known yet)'}`,
    width,
  );
}

type McpItem = Extract<V2Item, { type: 'mcpToolCall' }>;

export function mcpLines(item: McpItem, width: number): string[] {
  const args = item.arguments === undefined || item.arguments === null ? '' : JSON.stringify(item.arguments);
  const shownArgs = visibleText(args.length > 80 ? `${args.slice(0, 79)}…` : args);
  const call = `${visibleText(item.server)}.${visibleText(item.tool)}(${shownArgs})`;
  const failed = item.status === 'failed' || item.error !== null;
  const lines = header(
    failed ? '✗' : item.status === 'inProgress' ? '•' : '✓',
    { fg: failed ? 'red' : 'green' },
    item.status === 'inProgress' ? 'Calling' : 'Called',
    call,
    width,
  );
  if (item.error) lines.push(paint(`  └ ${sanitize(item.error.message)}`, { fg: 'red' }));
  else if (item.result) {
    const text = item.result.content
      .map((part) =>
        part && typeof part === 'object' && 'text' in part
          ? String((part as { text: unknown }).text)
          : '[content]',
      )
      .join('\n');
    lines.push(...outputLines(text, width, 3, 2));
  }
  return lines;
}

export interface PlanStep {
  step: string;
  status: 'pending' | 'inProgress' | 'completed';
}

export function planLines(plan: readonly PlanStep[], explanation: string | null, width: number): string[] {
  const lines = header('•', { fg: 'cyan' }, 'Updated plan', '', width);
  if (explanation)
    lines.push(
      ...wrapText(sanitize(explanation), width, { italic: true, dim: true }, { first: [{ text: '  ' }] }),
    );
  for (const { step, status } of plan) {
    const done = status === 'completed';
    const box = done ? '✔' : status === 'inProgress' ? '◐' : '□';
    lines.push(
      ...wrapSpans(
        [{ text: sanitize(step), ...(done ? { style: { dim: true, strike: true } } : {}) }],
        width,
        {
          first: [{ text: `  ${box} `, style: done ? { fg: 'green' } : {} }],
        },
      ),
    );
  }
  return lines;
}

export type SystemKind = 'info' | 'warning' | 'error';

export function systemLines(kind: SystemKind, text: string, width: number): string[] {
  const marker = kind === 'error' ? '■' : kind === 'warning' ? '⚠' : '•';
  const style: Style =
    kind === 'error' ? { fg: 'red' } : kind === 'warning' ? { fg: 'yellow' } : { dim: true };
  return wrapText(sanitize(text), width, style, {
    first: [{ text: `${marker} `, style }],
    rest: [{ text: '  ' }],
  });
}

/**
 * A message the model labelled `commentary` (progress it narrates while working): dimmed, so the
 * final answer stands out. One source line at a time, for streaming.
 */
export function commentaryLines(line: string, width: number): string[] {
  return wrapSpans(inlineSpans(sanitize(line), DIM), width);
}

export function isCommentary(item: V2Item): boolean {
  return item.type === 'agentMessage' && item.phase === 'commentary';
}

export function agentMessageLines(text: string, width: number, phase?: string | null): string[] {
  if (phase === 'commentary')
    return text
      .replace(/\n+$/, '')
      .split('\n')
      .flatMap((line) => commentaryLines(line, width));
  return renderMarkdown(sanitize(text), width);
}

/** A finished item as it goes into the scrollback (undefined: nothing to show). */
export function finishedItemLines(item: V2Item, cwd: string, width: number): string[] | undefined {
  switch (item.type) {
    case 'userMessage': {
      const text = item.content
        .map((part) =>
          part.type === 'text' ? part.text : `[image ${'url' in part ? part.url.slice(0, 40) : ''}]`,
        )
        .join('\n');
      return userMessageLines(text, width);
    }
    case 'agentMessage':
      return agentMessageLines(item.text, width, item.phase);
    case 'reasoning':
      return reasoningLines((item.summary ?? []).join('\n\n'), width);
    case 'commandExecution':
      return commandLines(item, width);
    case 'fileChange':
      return fileChangeLines(item, cwd, width);
    case 'mcpToolCall':
      return mcpLines(item, width);
    case 'dynamicToolCall': {
      const text = (item.contentItems ?? []).map((c) => ('text' in c ? c.text : '')).join('\n');
      return [
        ...header('✓', { fg: 'green' }, 'Called', visibleText(item.tool), width),
        ...outputLines(text, width, 3, 2),
      ];
    }
    case 'contextCompaction':
      return systemLines('info', 'Context compacted', width);
    case 'enteredReviewMode':
      return systemLines('info', `Reviewing ${item.review} (read-only reviewer)…`, width);
    case 'exitedReviewMode':
      return agentMessageLines(item.review, width);
    case 'plan':
      return [
        ...header('•', { fg: 'cyan' }, 'Proposed plan', '', width),
        ...renderMarkdown(sanitize(item.text), width),
      ];
  }
}
