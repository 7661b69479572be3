/**
 * Review outcomes: of the findings people reacted to, how many they accepted (thumbs up), per
 * priority, per model and per repository. Measured on reactions, not on how many comments a review
 * wrote. Pure (the records are read by review-log.ts).
 */
import type { ReviewIndexEntry, ReviewRecord } from './review-log.js';

export interface Acceptance {
  reviews: number;
  findings: number;
  /** Findings with a reaction (the last one counts). */
  rated: number;
  up: number;
  down: number;
  /** up / rated, or null when nothing was rated. */
  acceptance: number | null;
}

export interface ReviewStats {
  since: string | null;
  total: Acceptance;
  by_priority: Record<string, Acceptance>;
  by_model: Record<string, Acceptance>;
  by_repository: Record<string, Acceptance>;
}

function empty(): Acceptance {
  return { reviews: 0, findings: 0, rated: 0, up: 0, down: 0, acceptance: null };
}

function bucket(map: Record<string, Acceptance>, key: string): Acceptance {
  map[key] ??= empty();
  return map[key];
}

/** Reads "7d", "24h", "2w" (before `now`) or a date/time; undefined when it is neither. */
export function parseSince(text: string, now: Date = new Date()): Date | undefined {
  const relative = /^(\d+)\s*([hdw])$/i.exec(text.trim());
  if (relative) {
    const hours = { h: 1, d: 24, w: 24 * 7 }[relative[2]!.toLowerCase() as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(relative[1]) * hours * 3_600_000);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const date = new Date(text.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function reviewStats(
  reviews: ReadonlyArray<{ entry: ReviewIndexEntry; record: ReviewRecord }>,
  since?: Date,
): ReviewStats {
  const stats: ReviewStats = {
    since: since ? since.toISOString() : null,
    total: empty(),
    by_priority: { P0: empty(), P1: empty(), P2: empty(), P3: empty() },
    by_model: {},
    by_repository: {},
  };
  for (const { entry, record } of reviews) {
    if (since && Date.parse(entry.created_at) < since.getTime()) continue;
    if (!record.result) continue;
    const groups = [
      stats.total,
      bucket(stats.by_model, entry.model),
      bucket(stats.by_repository, entry.repository),
    ];
    for (const group of groups) group.reviews++;
    const last = new Map<number, 'up' | 'down'>();
    for (const reaction of record.feedback) last.set(reaction.finding, reaction.reaction);
    record.result.findings.forEach((finding, index) => {
      const reaction = last.get(index + 1);
      for (const group of [...groups, bucket(stats.by_priority, `P${finding.priority}`)]) {
        group.findings++;
        if (!reaction) continue;
        group.rated++;
        group[reaction]++;
      }
    });
  }
  const all = [
    stats.total,
    ...Object.values(stats.by_priority),
    ...Object.values(stats.by_model),
    ...Object.values(stats.by_repository),
  ];
  for (const group of all) group.acceptance = group.rated > 0 ? group.up / group.rated : null;
  return stats;
}

function row(label: string, a: Acceptance): string {
  const rate = a.acceptance === null ? '—' : `${Math.round(a.acceptance * 100)}%`;
  return `  ${label.padEnd(28)} ${String(a.findings).padStart(8)} ${String(a.rated).padStart(6)} ${String(a.up).padStart(4)} ${String(a.down).padStart(5)} ${rate.padStart(11)}`;
}

export function renderStats(stats: ReviewStats): string {
  const header = `  ${''.padEnd(28)} ${'findings'.padStart(8)} ${'rated'.padStart(6)} ${'up'.padStart(4)} ${'down'.padStart(5)} ${'acceptance'.padStart(11)}`;
  const section = (title: string, groups: Record<string, Acceptance>) => [
    title,
    header,
    ...Object.entries(groups).map(([key, value]) => row(key, value)),
    '',
  ];
  return [
    `Reviews${stats.since ? ` since ${stats.since}` : ''}: ${stats.total.reviews}, findings: ${stats.total.findings}, rated: ${stats.total.rated}, acceptance: ${stats.total.acceptance === null ? '—' : `${Math.round(stats.total.acceptance * 100)}%`}`,
    '',
    ...section('By priority', stats.by_priority),
    ...section('By model', stats.by_model),
    ...section('By repository', stats.by_repository),
  ].join('\n');
}
