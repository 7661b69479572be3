/**
 * Incident runs as one self-contained HTML page (pure; no script, no external resource): a chart
 * comparing the runs side by side — catch rate with its 95 % interval, precision, cost per catch —
 * and each run's cases.
 */
import type { RunReport } from './incidents.js';
import { percent, usd } from './report-markdown.js';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const COLORS = ['#2f6fdf', '#e07b22', '#3a9d5d', '#b4439b', '#7a6a2f', '#d23c3c'];

/** Grouped bars: one group per metric (0–1), one bar per run; catch rate has its interval. */
function rateChart(runs: readonly RunReport[]): string {
  const metrics: Array<{
    name: string;
    value: (r: RunReport) => number | null;
    ci?: (r: RunReport) => [number, number] | null;
  }> = [
    { name: 'catch rate', value: (r) => r.overall.catch_rate, ci: (r) => r.overall.catch_rate_ci95 },
    { name: 'precision', value: (r) => r.overall.precision },
  ];
  const width = 640;
  const height = 260;
  const top = 20;
  const bottom = 40;
  const left = 40;
  const plot = height - top - bottom;
  const groupWidth = (width - left - 20) / metrics.length;
  const barWidth = Math.min(48, (groupWidth - 30) / Math.max(1, runs.length));
  const y = (v: number) => top + plot * (1 - v);
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end" font-size="11">${tick * 100}%</text>`,
    );
  }
  metrics.forEach((metric, m) => {
    const x0 = left + m * groupWidth + 15;
    runs.forEach((run, r) => {
      const value = metric.value(run);
      const x = x0 + r * barWidth;
      const color = COLORS[r % COLORS.length];
      if (value !== null) {
        parts.push(
          `<rect x="${x}" y="${y(value)}" width="${barWidth - 4}" height="${plot * value}" fill="${color}"><title>${esc(run.label)}: ${metric.name} ${percent(value)}</title></rect>`,
        );
      }
      const ci = metric.ci?.(run);
      if (ci) {
        const cx = x + (barWidth - 4) / 2;
        parts.push(
          `<line x1="${cx}" x2="${cx}" y1="${y(ci[1])}" y2="${y(ci[0])}" stroke="#222"/>`,
          `<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(ci[1])}" y2="${y(ci[1])}" stroke="#222"/>`,
          `<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(ci[0])}" y2="${y(ci[0])}" stroke="#222"/>`,
        );
      }
    });
    parts.push(
      `<text x="${x0 + (runs.length * barWidth) / 2}" y="${height - bottom + 18}" text-anchor="middle" font-size="12">${metric.name}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="catch rate and precision per run">${parts.join('')}</svg>`;
}

function legend(runs: readonly RunReport[]): string {
  return `<p>${runs
    .map(
      (run, r) =>
        `<span class="key" style="background:${COLORS[r % COLORS.length]}"></span>${esc(run.label)}`,
    )
    .join(' &nbsp; ')}</p>`;
}

function comparison(runs: readonly RunReport[]): string {
  const row = (r: RunReport) => {
    const o = r.overall;
    const ci = o.catch_rate_ci95
      ? ` (${percent(o.catch_rate_ci95[0])}–${percent(o.catch_rate_ci95[1])})`
      : '';
    return `<tr><td>${esc(r.label)}</td><td>${esc(r.model)}</td><td>${esc(r.config.join(' '))}</td><td>${r.mode}</td><td>${o.caught}/${o.evaluated}</td><td>${percent(o.catch_rate)}${ci}</td><td>${percent(o.precision)}</td><td>${o.false_positives}</td><td>${o.failed}</td><td>${usd(o.cost_usd)}</td><td>${o.cost_per_catch_usd === null ? '—' : usd(o.cost_per_catch_usd)}</td></tr>`;
  };
  return `<table><tr><th>run</th><th>model</th><th>config</th><th>mode</th><th>caught</th><th>catch rate (95 % CI)</th><th>precision</th><th>false positives</th><th>failed</th><th>cost</th><th>cost per catch</th></tr>${runs.map(row).join('')}</table>`;
}

function cases(run: RunReport): string {
  const rows = run.cases.map((c) => {
    const f = c.matching_finding;
    return `<tr class="${c.status}"><td>${esc(c.id)}</td><td>${esc(c.title)}</td><td>${esc(c.severity)}</td><td>${c.status}${c.error ? `: ${esc(c.error)}` : ''}</td><td>${f ? esc(`#${f.number} [P${f.priority}] ${f.title}`) : '—'}</td><td>${c.false_positives.length}</td><td>${c.tokens.input}/${c.tokens.output}</td><td>${usd(c.cost_usd)}</td></tr>`;
  });
  return `<h2>${esc(run.label)}</h2><table><tr><th>case</th><th>title</th><th>severity</th><th>result</th><th>matching finding</th><th>false positives</th><th>tokens in/out</th><th>cost</th></tr>${rows.join('')}</table>`;
}

export function renderRunsHtml(runs: readonly RunReport[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spool incident replay</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}tr.caught td:nth-child(4){color:#2a7a3d}tr.missed td:nth-child(4){color:#b33}tr.failed td:nth-child(4){color:#888}.key{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}</style>
</head><body>
<h1>Incident replay</h1>
${legend(runs)}
${rateChart(runs)}
${comparison(runs)}
${runs.map(cases).join('\n')}
</body></html>
`;
}
