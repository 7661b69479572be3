/** `spool stats` as text with bars (terminal) and as a self-contained HTML report with charts. */
import { formatUsd } from '../model/prices.js';
import type { StatsRates, StatsReport, StatsRow } from './stats.js';

type Row = StatsRow & { rates: StatsRates };

const percent = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);

function bar(value: number | null, width = 20): string {
  if (value === null) return ' '.repeat(width);
  const filled = Math.round(Math.max(0, Math.min(1, value)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function costText(row: StatsRow): string {
  if (row.cost.unpriced_requests === 0) return formatUsd(row.cost.usd);
  return row.cost.usd > 0 ? `≥${formatUsd(row.cost.usd)}` : 'unknown';
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}

function rowText(row: Row): string[] {
  const t = row.tokens;
  return [
    `  sessions ${row.sessions} · turns ${row.turns.total} · requests ${row.requests}`,
    `  completed    ${bar(row.rates.completed)} ${percent(row.rates.completed)}`,
    `  failed       ${bar(row.rates.failed)} ${percent(row.rates.failed)}${row.turns.failed ? ` (${counts(row.failures)})` : ''}`,
    `  interrupted  ${bar(row.rates.interrupted)} ${percent(row.rates.interrupted)}`,
    `  tool errors  ${bar(row.rates.tool_errors)} ${percent(row.rates.tool_errors)} of ${row.tools.calls} calls`,
    `  cache hits   ${bar(row.rates.cache_hits)} ${percent(row.rates.cache_hits)} of input tokens`,
    `  retries      ${row.retries.total}${row.retries.total ? ` (${counts(row.retries.causes)})` : ''}`,
    `  approvals    ${counts(row.approvals)}`,
    `  tokens       ${t.input} in (${t.cached_input} cached), ${t.output} out · cost ${costText(row)}`,
  ];
}

export function statsText(report: StatsReport): string {
  const lines = [
    `Spool stats${report.since ? ` since ${report.since}` : ''}`,
    '',
    'all sessions',
    ...rowText(report.total),
  ];
  for (const group of report.groups) lines.push('', `${report.by}: ${group.key}`, ...rowText(group));
  return `${lines.join('\n')}\n`;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A horizontal bar chart (inline SVG) of one value per row. */
function chart(
  title: string,
  rows: Row[],
  value: (row: Row) => number | null,
  label: (row: Row) => string,
): string {
  const height = 22;
  const width = 640;
  const labelWidth = 220;
  const max = Math.max(1e-12, ...rows.map((r) => value(r) ?? 0));
  const bars = rows
    .map((row, i) => {
      const v = value(row) ?? 0;
      const w = Math.round(((width - labelWidth - 120) * v) / max);
      const y = i * height;
      return (
        `<text x="0" y="${y + 15}">${escapeHtml(row.key)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${height - 6}" fill="#4c78a8"><title>${escapeHtml(label(row))}</title></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 15}">${escapeHtml(label(row))}</text>`
      );
    })
    .join('');
  return `<section><h2>${escapeHtml(title)}</h2><svg role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${rows.length * height}" font-family="sans-serif" font-size="12">${bars}</svg></section>`;
}

/** One HTML file, no external resources: tables and SVG charts. */
export function statsHtml(report: StatsReport): string {
  const rows = report.groups.length ? report.groups : [report.total];
  const table = [report.total, ...report.groups]
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.key)}</td><td>${r.sessions}</td><td>${r.turns.total}</td><td>${percent(r.rates.completed)}</td><td>${percent(r.rates.failed)}</td><td>${percent(r.rates.interrupted)}</td><td>${r.retries.total}</td><td>${percent(r.rates.tool_errors)}</td><td>${percent(r.rates.cache_hits)}</td><td>${r.tokens.input + r.tokens.output}</td><td>${escapeHtml(costText(r))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spool stats</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>Spool stats${report.since ? ` since ${escapeHtml(report.since)}` : ''}${report.by ? ` by ${report.by}` : ''}</h1>
<table><thead><tr><th>${report.by ?? 'all'}</th><th>sessions</th><th>turns</th><th>completed</th><th>failed</th><th>interrupted</th><th>retries</th><th>tool errors</th><th>cache hits</th><th>tokens</th><th>cost</th></tr></thead>
<tbody>
${table}
</tbody></table>
${chart(
  'Completed turns',
  rows,
  (r) => r.rates.completed,
  (r) => percent(r.rates.completed),
)}
${chart(
  'Failed turns',
  rows,
  (r) => r.rates.failed,
  (r) => percent(r.rates.failed),
)}
${chart(
  'Tool error rate',
  rows,
  (r) => r.rates.tool_errors,
  (r) => percent(r.rates.tool_errors),
)}
${chart(
  'Cache hit ratio',
  rows,
  (r) => r.rates.cache_hits,
  (r) => percent(r.rates.cache_hits),
)}
${chart(
  'Tokens',
  rows,
  (r) => r.tokens.input + r.tokens.output,
  (r) => String(r.tokens.input + r.tokens.output),
)}
${chart(
  'Cost (USD)',
  rows,
  (r) => r.cost.usd,
  (r) => costText(r),
)}
<script type="application/json" id="spool-stats">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
