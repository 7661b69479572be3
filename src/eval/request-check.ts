/**
 * `spool replay --check`: one request as today's Spool built it, compared byte for byte with the
 * recorded one. On a difference the first divergent part is named — the instructions, a tool, an
 * input item (by position and kind), another field, or only the serialisation — with a diff.
 *
 * Before comparing, what is expected to differ between the recording and the replay is written
 * back as recorded (`substitutions`: the scratch workspace's path → the recorded directory, the
 * replay's date and timezone → the recorded ones, and a re-run command's wall time → the recorded
 * one); everything else must be identical.
 */
import { createTwoFilesPatch } from 'diff';
import { partDigests, requestParts, sha256 } from '../model/request-digest.js';
import { expectSyntaxError } from '../protocol/errors.js';
import type { RecordedRequest } from './recording.js';

export interface Divergence {
  /** 1-based request number of the replay. */
  request: number;
  turn: number;
  part: 'instructions' | 'tools' | 'input' | 'fields' | 'serialisation' | 'body';
  /** One line: what changed. */
  summary: string;
  /** A unified diff (recorded → replayed), when there is text to compare. */
  diff: string;
}

/** `[replayed, recorded]` pairs of literal text. */
export type Substitutions = ReadonlyArray<readonly [string, string]>;

/** Applies the substitutions to JSON text (values are matched as they appear inside JSON strings). */
function normalise(body: string, substitutions: Substitutions): string {
  let text = body;
  for (const [replayed, recorded] of substitutions) {
    if (!replayed || replayed === recorded) continue;
    text = text.split(JSON.stringify(replayed).slice(1, -1)).join(JSON.stringify(recorded).slice(1, -1));
  }
  return text;
}

function pretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function patch(name: string, recorded: string, replayed: string): string {
  return createTwoFilesPatch(`recorded/${name}`, `replayed/${name}`, recorded, replayed, '', '', {
    context: 3,
  });
}

function describeItem(item: unknown): string {
  const it = (item ?? {}) as Record<string, unknown>;
  const kind = String(it.type ?? 'item');
  if (kind === 'message') return `${String(it.role)} message`;
  if (typeof it.call_id === 'string')
    return `${kind} ${it.call_id}${typeof it.name === 'string' ? ` (${it.name})` : ''}`;
  return kind;
}

function toolName(tool: unknown): string {
  const t = (tool ?? {}) as Record<string, unknown>;
  const fn = t.function as Record<string, unknown> | undefined;
  return String(t.name ?? fn?.name ?? t.type ?? '?');
}

function toolsDivergence(recorded: unknown[], replayed: unknown[]): { summary: string; diff: string } {
  const before = new Map(recorded.map((tool) => [toolName(tool), tool]));
  const after = new Map(replayed.map((tool) => [toolName(tool), tool]));
  const added = [...after.keys()].filter((name) => !before.has(name));
  const removed = [...before.keys()].filter((name) => !after.has(name));
  const changed = [...after.keys()].filter(
    (name) => before.has(name) && JSON.stringify(before.get(name)) !== JSON.stringify(after.get(name)),
  );
  const what = [
    ...changed.map((name) => `tool ${name} changed`),
    ...added.map((name) => `tool ${name} added`),
    ...removed.map((name) => `tool ${name} removed`),
  ];
  const first = changed[0];
  return {
    summary: what.length > 0 ? what.join(', ') : 'the tools are in a different order',
    diff:
      first !== undefined
        ? patch(`tools/${first}`, pretty(before.get(first)), pretty(after.get(first)))
        : patch('tools', pretty(recorded.map(toolName)), pretty(replayed.map(toolName))),
  };
}

const WALL_TIME = /Wall time: [0-9.]+ seconds/;

/**
 * A re-run command cannot take the same time again: in a tool output that answers the same call
 * as the recorded one, the `Wall time: … seconds` line is taken as recorded. Nothing else is.
 * Returns the body re-serialised (the SDK sends `JSON.stringify` of the body, so this is byte-exact).
 */
function settleWallTimes(
  body: Record<string, unknown>,
  recorded: RecordedRequest,
  wire: string,
): string | undefined {
  const input = body[wire === 'chat' ? 'messages' : 'input'];
  if (!Array.isArray(input)) return undefined;
  let changed = false;
  input.forEach((item: Record<string, unknown>, i) => {
    const was = recorded.history[i] as Record<string, unknown> | undefined;
    if (!was || typeof item?.output !== 'string' || typeof was.output !== 'string') return;
    if (item.call_id !== was.call_id || item.output === was.output) return;
    const time = WALL_TIME.exec(was.output);
    if (!time || !WALL_TIME.test(item.output)) return;
    item.output = item.output.replace(WALL_TIME, time[0]);
    changed = true;
  });
  return changed ? JSON.stringify(body) : undefined;
}

/** The first divergence of `body` (as received) from `recorded`, or undefined when identical. */
export function compareRequest(
  seq: number,
  body: string,
  recorded: RecordedRequest,
  substitutions: Substitutions,
): Divergence | undefined {
  const text = normalise(body, substitutions);
  if (sha256(text) === recorded.record.sha256) return undefined;
  const base = { request: seq, turn: recorded.turn };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    expectSyntaxError(err);
    return { ...base, part: 'body', summary: 'the request body is not JSON', diff: '' };
  }
  const wire = recorded.record.wire;
  const settled = recorded.historyMatches ? settleWallTimes(parsed, recorded, wire) : undefined;
  if (settled !== undefined && sha256(settled) === recorded.record.sha256) return undefined;
  const parts = requestParts(wire, parsed);
  const digests = partDigests(parts);
  const want = recorded.record.parts;
  const unkept = " (the recorded text is not among this Spool home's kept request parts, so no diff)";
  if (digests.instructions !== want.instructions) {
    const was = recorded.record.instructions;
    return {
      ...base,
      part: 'instructions',
      summary: `the instructions changed${was === undefined ? unkept : ''}`,
      diff: was === undefined ? '' : patch('instructions', `${was}\n`, `${parts.instructions}\n`),
    };
  }
  if (digests.tools !== want.tools) {
    const was = recorded.record.tools;
    if (was === undefined) return { ...base, part: 'tools', summary: `the tools changed${unkept}`, diff: '' };
    return { ...base, part: 'tools', ...toolsDivergence(was, parts.tools) };
  }
  if (digests.input !== want.input) {
    const history = recorded.history;
    if (!recorded.historyMatches) {
      return {
        ...base,
        part: 'input',
        summary: `the input differs (${parts.input.length} items sent, ${recorded.record.input_items} recorded; the log does not hold the recorded input item by item, so the item cannot be named)`,
        diff: '',
      };
    }
    const n = Math.max(history.length, parts.input.length);
    for (let i = 0; i < n; i++) {
      const was = history[i];
      const now = parts.input[i];
      if (JSON.stringify(was) === JSON.stringify(now)) continue;
      const summary =
        was === undefined
          ? `input item ${i + 1} (${describeItem(now)}) is new: the recorded request had ${history.length} items`
          : now === undefined
            ? `input item ${i + 1} (${describeItem(was)}) is missing: the replayed request has ${parts.input.length} items`
            : `input item ${i + 1} of ${parts.input.length} (${describeItem(was)}) changed${
                (was as { type?: string }).type?.endsWith('_output')
                  ? ' — a re-run tool gave another output'
                  : ''
              }`;
      return {
        ...base,
        part: 'input',
        summary,
        diff: patch(
          `input/${i + 1}`,
          was === undefined ? '' : pretty(was),
          now === undefined ? '' : pretty(now),
        ),
      };
    }
  }
  if (digests.rest !== want.rest) {
    const keys = new Set([...Object.keys(recorded.record.rest), ...Object.keys(parts.rest)]);
    const changed = [...keys].filter(
      (key) => JSON.stringify(recorded.record.rest[key]) !== JSON.stringify(parts.rest[key]),
    );
    return {
      ...base,
      part: 'fields',
      summary: `request field${changed.length === 1 ? '' : 's'} ${changed.join(', ')} changed`,
      diff: patch('fields', pretty(recorded.record.rest), pretty(parts.rest)),
    };
  }
  return {
    ...base,
    part: 'serialisation',
    summary: 'every part is the same but the bytes differ (key order or number formatting)',
    diff: '',
  };
}
